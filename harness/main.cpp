#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"

namespace {

const char* kUsage =
    "usage: prepbench <command> [options]\n"
    "  list                                  pipelines, variants, workloads\n"
    "  reference --pipeline P --mode float|hf|pil (--image IN.npy | --workload-dir DIR) [--layout hwc|chw] --out OUT.npy\n"
    "  workload dump --workload W --out DIR [--layout hwc|chw] [--seed S]\n"
    "  run [--variants GLOB,...] [--pipelines GLOB,...] [--workloads W,...] [--sweep FILE.json] [--reps N]\n"
    "      [--cpu-reps N] [--warmup N] [--layouts hwc,chw] [--dtypes fp32,bf16] [--modes float,hf] [--warm-l2]\n"
    "      [--out-layouts nchw,nhwc] [--threads N] [--seed S] [--strict] [--no-kernel-trace] [--inject-delay US]\n"
    "      [--cuda-graph] [--out FILE.json]  --cuda-graph: each repetition replays a CUDA graph of the launches;\n"
    "                                        --out-layouts nhwc: channels-last output (HF data_format)\n"
    "  apply --variant V --pipeline P --mode float|hf --images A.npy,B.npy [--layout hwc|chw] [--dtype fp32|bf16]\n"
    "        --out OUT.npy                   one variant, once, on the given images\n"
    "  gate --baseline A.json --candidate B.json [--max-slowdown 0.05] [--alpha 0.01] [--min-samples 5]\n"
    "       [--parity-only] [--allow-different-hardware] [--markdown FILE]   exit 0 pass, 1 regression, 2 bad input\n"
    "  profile --variants V --pipelines P --workloads W [--layouts] [--dtypes] [--modes] [--reps N]\n"
    "                                        per-kernel table (CUPTI) of one repetition per CUDA case\n"
    "  e2e --variants V --pipelines P --workloads W [--layouts] [--dtypes] [--modes] [--groups 4] [--reps N]\n"
    "      [--out FILE.json]                 from pinned host memory: H2D alone, kernel alone, serial, overlapped\n"
    "  pillow-resize --image IN.npy --size HxW [--filter bicubic|bilinear|lanczos|box|hamming] --out OUT.npy\n"
    "                                        Pillow's Image.resize, bit-exact (uint8 HWC)\n";

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(kUsage, args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "list") return pb::cmd_list(args);
    if (cmd == "reference") return pb::cmd_reference(args);
    if (cmd == "workload") return pb::cmd_workload(args);
    if (cmd == "run") return pb::cmd_run(args);
    if (cmd == "apply") return pb::cmd_apply(args);
    if (cmd == "gate") return pb::cmd_gate(args);
    if (cmd == "profile") return pb::cmd_profile(args);
    if (cmd == "e2e") return pb::cmd_e2e(args);
    if (cmd == "pillow-resize") return pb::cmd_pillow_resize(args);
    throw pb::UsageError("unknown command '" + cmd +
                         "' (valid: list, reference, workload, run, apply, gate, profile, pillow-resize)");
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "prepbench: error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "prepbench: error: %s\n", e.what());
  }
  return 2;
}
