// prepbench e2e: end to end from pinned host memory (harness/e2e.hpp) or from files (harness/e2e_files.hpp), one
// JSON document for all cases.
#include <cstdio>
#include <functional>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/sweep.hpp"
#include "harness/e2e.hpp"
#include "harness/e2e_files.hpp"
#include "harness/meta.hpp"
#include "harness/results.hpp"
#include "harness/stats.hpp"
#include "workloads/npy.hpp"

namespace pb {

#ifndef PB_HAVE_CUDA
std::vector<Record> run_e2e(const Case&, const E2EOptions&, WorkloadCache&, ExecBackend&) {
  throw std::runtime_error("e2e: this build has no CUDA support");
}
#endif

namespace {

constexpr const char* kDefaultOut = "prepbench_e2e.json";

SweepConfig e2e_defaults() {
  SweepConfig d;
  d.layouts = {"chw"};
  return d;
}

// The case loop both sources share: each case's records, or one failed record for a case that throws (anything
// but a UsageError, which ends the command); `row` prints a case's table line. Then the document, written whole.
// Returns the exit status: 1 when a case failed (its last record not ok), else 0.
int run_cases(const std::vector<Case>& cases, const std::string& repro, int key_width, const nlohmann::json& meta,
              const std::string& out_path, const std::function<std::vector<Record>(const Case&)>& run,
              const std::function<void(const Case&, const std::vector<Record>&)>& row) {
  std::vector<Record> records;
  int failed = 0;
  for (const Case& c : cases) {
    std::vector<Record> r;
    try {
      r = run(c);
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {  // recorded; the other cases still run
      std::printf("%-*s failed: %s\n", key_width, c.key().c_str(), e.what());
      Record f = case_record(c);
      f.status = "failed";
      f.reason = e.what();
      f.repro = repro + " " + c.selection_args();
      f.extra["measure"] = "e2e_overlap";
      records.push_back(f);
      ++failed;
      continue;
    }
    failed += r.back().status != "ok";
    row(c, r);
    records.insert(records.end(), r.begin(), r.end());
  }
  const nlohmann::json doc = make_results_document(meta, records);
  validate_results_document(doc);
  write_text_atomic(out_path, doc.dump(1) + "\n");
  return failed ? 1 : 0;
}

// --from files: the CPU path (harness/e2e_files.hpp), its own table.
int cmd_e2e_files(const Args& a, const std::vector<std::string>& args) {
  SweepConfig cfg = e2e_defaults();
  cfg.layouts = {"hwc"};
  for (const char* key : {"variants", "pipelines", "workloads"}) a.require(key);
  apply_selection(a, cfg);
  const std::vector<Case> cases = expand_cases(cfg);
  E2EFilesOptions o;
  o.groups = a.get_int("groups", 4, 1, 1024);
  o.reps = a.get_int("reps", 10, 1, 100000);
  o.decode_threads = a.get_int("decode-threads", 0, 0, 1024);
  o.cuda_decode_share = a.get_double("cuda-decode-share", o.cuda_decode_share);
  if (!(o.cuda_decode_share >= 0 && o.cuda_decode_share <= 1))
    throw UsageError("--cuda-decode-share: a share of pixels, 0 to 1");
  const std::string out_path = a.get("out", kDefaultOut);
  check_writable(out_path);
  auto cpu = make_cpu_backend();
  std::unique_ptr<ExecBackend> cuda;
  std::string why = "no CUDA case";
  for (const Case& c : cases)
    if (c.backend() == Backend::Cuda && !cuda) {
      cuda = make_cuda_backend(why);
      if (!cuda) throw UsageError("e2e --from files with a CUDA variant needs a GPU: " + why + "; nothing written");
    }
  std::string command = "prepbench e2e";
  for (const auto& s : args) command += " " + s;
  const nlohmann::json meta = collect_meta(*cpu, cuda.get(), command, 0.0);
  std::printf("%-62s %5s %8s %8s %8s %8s %8s %8s %-7s %s\n", "case", "files", "read ms", "decode", "resize", "serial",
              "overlap", "img/s", "bound", "parity");
  return run_cases(
      cases, "prepbench e2e --from files", 62, meta, out_path,
      [&](const Case& c) { return run_e2e_files(c, o, *cpu, cuda.get()); },
      [](const Case& c, const std::vector<Record>& r) {
        const Record& last = r.back();  // e2e_overlap, with the parity
        char overlap[32] = "-";
        if (r.size() > 4) std::snprintf(overlap, sizeof overlap, "%.2f", summarize(r[4].samples_ms).median);
        std::printf("%-62s %5d %8.2f %8.2f %8.2f %8.2f %8s %8.1f %-7s %s\n", c.key().c_str(),
                    last.extra["images"].get<int>(), summarize(r[0].samples_ms).median,
                    summarize(r[1].samples_ms).median, summarize(r[2].samples_ms).median,
                    summarize(r[3].samples_ms).median, overlap, last.extra["images_per_s"].get<double>(),
                    last.extra["bound_by"].get<std::string>().c_str(), last.parity.ok ? "ok" : last.parity.reason.c_str());
      });
}

}  // namespace

const CommandSpec& spec_e2e() {
  static const CommandSpec spec = [] {
    CommandSpec s{"e2e", "--variants V --pipelines P --workloads W [selection] [options]",
                  "end to end: from pinned host memory (GPU), or from JPEG/PNG files (--from files: CPU or GPU decode)",
                  selection_options(e2e_defaults()),
                  "--from pinned (default) needs a GPU: without one it says so in one line and exits 2. It times\n"
                  "the copy, the kernel, both in sequence, and overlapped in groups.\n"
                  "--from files takes a files:DIR workload and --layouts hwc (the decoders'), and times reading\n"
                  "the files, decoding them, the variant, the three in sequence, and overlapped. With a CPU variant\n"
                  "the decode threads decode, overlapped in groups (group g+1 read and decoded while the variant\n"
                  "resizes g). With a CUDA variant nvJPEG decodes (hardware engine where the GPU has one; the copy\n"
                  "of the compressed bytes is part of its decode) into the buffers the variant reads, overlapped\n"
                  "as a stream of batches (batch b+1 read while batch b is decoded and resized).\n"
                  "Exit status: 0 all parity ok, 1 a case failed, 2 bad input."};
    const std::vector<OptionSpec> more = {
        {"from", "pinned|files", "where a batch starts (default pinned)"},
        {"decode-threads", "D", "--from files: threads decoding (default: the machine's hardware threads)"},
        {"cuda-decode-share", "F", "--from files, GPU: the share of pixels nvJPEG's CUDA backend decodes beside "
                                   "the hardware engine, at the same time (default 0: on the H200 any share was slower)"},
        {"groups", "G", "images are copied (decoded) and resized in G overlapped groups (default 4)"},
        {"reps", "N", "timed repetitions (default 30 from pinned, 10 from files)"},
        {"seed", "S", "seed of the parity images (default 1)"},
        {"out", "FILE.json", std::string("results file (default ./") + kDefaultOut + ")"}};
    s.options.insert(s.options.end(), more.begin(), more.end());
    return s;
  }();
  return spec;
}

int cmd_e2e(const std::vector<std::string>& args) {
  Args a(args, spec_e2e());
  const std::string from = a.get("from", "pinned");
  if (from == "files") return cmd_e2e_files(a, args);
  if (from != "pinned") throw UsageError("--from takes pinned or files, not '" + from + "'");
  SweepConfig cfg = e2e_defaults();
  for (const char* key : {"variants", "pipelines", "workloads"}) a.require(key);
  apply_selection(a, cfg);
  const std::vector<Case> cases = expand_cases(cfg);
  E2EOptions o;
  o.groups = a.get_int("groups", 4, 1, 1024);
  o.reps = a.get_int("reps", 30, 1, 100000);
  const std::string out_path = a.get("out", kDefaultOut);
  check_writable(out_path);
  std::string why;
  auto cuda = make_cuda_backend(why);
  if (!cuda) throw UsageError("e2e needs a GPU: " + why + "; nothing written");
  auto cpu = make_cpu_backend();
  WorkloadCache cache(uint64_t(a.get_int("seed", 1, 0, 1 << 30)));
  std::string command = "prepbench e2e";
  for (const auto& s : args) command += " " + s;
  const nlohmann::json meta = collect_meta(*cpu, cuda.get(), command, 0.0);
  std::printf("%-58s %3s %9s %9s %9s %9s %9s %s\n", "case", "G", "h2d ms", "kernel", "serial", "overlap", "PCIe GB/s",
              "parity");
  return run_cases(
      cases, "prepbench e2e", 58, meta, out_path,
      [&](const Case& c) {
        cache.keep_only(c.workload);
        return run_e2e(c, o, cache, *cuda);
      },
      [](const Case& c, const std::vector<Record>& r) {
        const Record& ovl = r[3];
        std::printf("%-58s %3d %9.3f %9.3f %9.3f %9.3f %9.1f %s\n", c.key().c_str(), ovl.extra["groups"].get<int>(),
                    summarize(r[0].samples_ms).median, summarize(r[1].samples_ms).median,
                    summarize(r[2].samples_ms).median, summarize(ovl.samples_ms).median,
                    ovl.extra["h2d_gbps"].get<double>(), ovl.parity.ok ? "ok" : ovl.parity.reason.c_str());
      });
}

}  // namespace pb
