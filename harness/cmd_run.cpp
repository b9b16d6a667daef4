#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <random>
#include <unistd.h>

#include "core/parallel.hpp"
#include "harness/case_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/meta.hpp"
#include "harness/shard.hpp"
#include "harness/signals.hpp"
#include "harness/sweep.hpp"
#include "profiling/nvtx.hpp"
#include "workloads/npy.hpp"

namespace pb {
namespace {

std::string human_bytes(long long b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1 << 20));
  return buf;
}

void print_table(const std::vector<Record>& recs) {
  std::printf("\n%-24s %-18s %-20s %-4s %-9s %-5s %-11s %10s %9s %11s %10s %s\n", "variant", "pipeline", "workload",
              "lay", "dt", "mode", "status", "median_ms", "GB/s", "peak_ws", "max_abs", "parity");
  for (const auto& r : recs) {
    if (r.status == "skipped") continue;
    std::string med = "-", gbps = "-", maxabs = "-", par = "-";
    const std::string dt = r.dtype + (r.extra.value("out_layout", "") == "nhwc" ? "/nhwc" : "");
    if (!r.samples_ms.empty()) {
      const Summary s = summarize(r.samples_ms);
      char b[32];
      std::snprintf(b, sizeof b, "%.3f", s.median);
      med = b;
      std::snprintf(b, sizeof b, "%.1f", double(r.bytes_moved) / (s.median * 1e-3) / 1e9);
      gbps = b;
    }
    if (r.has_parity) {
      char b[32];
      std::snprintf(b, sizeof b, "%.2e", r.parity.max_abs);
      maxabs = b;
      par = r.parity.ok ? "ok" : "FAIL";
    }
    std::printf("%-24s %-18s %-20s %-4s %-9s %-5s %-11s %10s %9s %11s %10s %s\n", r.variant.c_str(), r.pipeline.c_str(),
                r.workload.c_str(), r.layout.c_str(), dt.c_str(), r.mode.c_str(), r.status.c_str(), med.c_str(),
                gbps.c_str(), r.status == "ok" ? human_bytes(r.peak_workspace_bytes).c_str() : "-", maxabs.c_str(),
                par.c_str());
  }
}

// Skipped cases (a CUDA variant without a GPU, say) are one line per reason, not one row each.
void print_skipped(const std::vector<Record>& recs) {
  std::map<std::string, int> why;
  for (const auto& r : recs)
    if (r.status == "skipped") ++why[r.reason];
  for (const auto& [reason, n] : why) std::printf("%d case%s skipped: %s\n", n, n == 1 ? "" : "s", reason.c_str());
}

constexpr const char* kDefaultOut = "prepbench_results.json";

}  // namespace

const CommandSpec& spec_run() {
  static const CommandSpec spec = [] {
    const SweepConfig d;
    CommandSpec s{"run", "[--sweep FILE.json] [selection] [options]",
                  "time the selected cases, check parity against the float64 reference, write one results JSON",
                  {{"sweep", "FILE.json", "a sweep file (sweeps/*.json); options given here override its keys"}},
                  "Without a GPU, CUDA cases are recorded as skipped and the CPU cases run.\n"
                  "Exit status: 0 done, 1 when a case failed (all others still run and are written), 2 bad input,\n"
                  "130 / 143 interrupted by SIGINT / SIGTERM (nothing written)."};
    for (auto& o : selection_options(d)) s.options.push_back(o);
    const std::vector<OptionSpec> more = {
        {"reps", "N", "timed repetitions per GPU case (default " + std::to_string(d.gpu_reps) + "; sets --cpu-reps too)"},
        {"cpu-reps", "N", "timed repetitions per CPU case (default " + std::to_string(d.cpu_reps) + ")"},
        {"warmup", "N", "untimed repetitions before timing (default " + std::to_string(d.warmup) + ")"},
        {"warm-l2", "", "GPU: keep the L2 warm between repetitions (default: cold, 2x L2 rewritten)"},
        {"threads", "N", "CPU thread-pool size, 1-256 (default: hardware threads)"},
        {"seed", "S", "seed of the fresh parity images (default: random, recorded)"},
        {"no-kernel-trace", "", "GPU: skip the extra CUPTI-traced repetition per case"},
        {"inject-delay", "US|P%", "debug: slow each timed repetition by US microseconds, or by P % of the case's warm-up median"},
        {"inject-variants", "GLOB,...", "debug: inject the delay into these variants only (default every one)"},
        {"shard", "I/N", "run only the I-th (0-based) of N deterministic, cost-balanced parts of the cases"},
        {"device", "K", "GPU index to run on (default 0; CUDA_VISIBLE_DEVICES works too)"},
        {"out", "FILE.json", std::string("results file (default ./") + kDefaultOut + ")"}};
    s.options.insert(s.options.end(), more.begin(), more.end());
    return s;
  }();
  return spec;
}

int cmd_run(const std::vector<std::string>& args) {
  Args a(args, spec_run());
  SweepConfig cfg = a.has("sweep") ? load_sweep_file(a.require("sweep")) : SweepConfig{};
  apply_selection(a, cfg);
  cfg.gpu_reps = a.get_int("reps", cfg.gpu_reps, 1, 100000);
  cfg.cpu_reps = a.get_int("cpu-reps", a.has("reps") ? cfg.gpu_reps : cfg.cpu_reps, 1, 100000);
  cfg.warmup = a.get_int("warmup", cfg.warmup, 0, 1000);
  cfg.warm_l2 = cfg.warm_l2 || a.flag("warm-l2");
  if (a.has("threads")) set_thread_count(a.get_int("threads", 0, 1, 256));
  try {
    start_thread_pool();
  } catch (const std::runtime_error& e) {
    throw UsageError(std::string("--threads: ") + e.what());
  }
  const std::vector<Case> all_cases = expand_cases(cfg);
  std::vector<Case> cases = all_cases;
  nlohmann::json shard_meta;
  if (a.has("shard")) {  // this process's part; the document records the whole list so that merge can check it
    const ShardSpec sh = parse_shard(a.require("shard"));
    const std::vector<int> part = partition_cases(all_cases, sh.count, cfg.gpu_reps, cfg.cpu_reps);
    cases.clear();
    nlohmann::json keys = nlohmann::json::array();
    for (size_t i = 0; i < all_cases.size(); ++i) {
      keys.push_back(all_cases[i].key());
      if (part[i] == sh.index) cases.push_back(all_cases[i]);
    }
    shard_meta = {{"index", sh.index}, {"count", sh.count}, {"cases_sha256", cases_sha256(all_cases)},
                  {"cases", keys}, {"assigned", cases.size()}};
    std::fprintf(stderr, "prepbench: shard %d/%d: %zu of %zu cases\n", sh.index, sh.count, cases.size(), all_cases.size());
  }
  if (a.has("device")) set_cuda_device(a.get_int("device", 0, 0, 1023));
  const std::string out_path = a.get("out", kDefaultOut);
  check_writable(out_path);

  RunOptions opt;
  opt.gpu_reps = cfg.gpu_reps;
  opt.cpu_reps = cfg.cpu_reps;
  opt.warmup = cfg.warmup;
  opt.warm_l2 = cfg.warm_l2;
  if (a.has("seed")) {
    const std::string seed = a.require("seed");
    if (seed.size() > 19 || seed.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--seed must be a non-negative integer below 10^19, got '" + seed + "'");
    opt.parity_seed = std::stoull(seed);
  } else {
    opt.parity_seed = uint64_t(std::random_device{}()) << 32 ^ std::random_device{}();
  }
  if (a.has("inject-delay")) {
    std::string d = a.require("inject-delay");
    const bool percent = d.back() == '%';
    if (percent) d.pop_back();
    const double v = parse_finite("--inject-delay", d);
    if (v <= 0 || v > (percent ? 1000.0 : 1e6))
      throw UsageError("--inject-delay must be microseconds in (0, 1e6] or a percentage in (0, 1000]%, got '" +
                       a.require("inject-delay") + "'");
    (percent ? opt.inject_delay_frac : opt.inject_delay_us) = percent ? v / 100.0 : v;
    if (percent && cfg.warmup < 1) throw UsageError("--inject-delay P% needs --warmup 1 or more (its base is the warm-up median)");
  }
  if (a.has("inject-variants")) opt.inject_variants = split_list(a.require("inject-variants"));
  opt.trace_kernels = !a.flag("no-kernel-trace");

  auto cpu = make_cpu_backend();
  std::unique_ptr<ExecBackend> cuda;
  std::string cuda_why;
  size_t cuda_cases = 0;
  for (const auto& c : cases) cuda_cases += c.backend() == Backend::Cuda;
  if (cuda_cases) cuda = make_cuda_backend(cuda_why);
  if (cuda_cases && !cuda)  // said once here; each record carries the reason
    std::fprintf(stderr, "prepbench: %s: %zu CUDA case%s recorded as skipped, %zu CPU case%s run\n", cuda_why.c_str(),
                 cuda_cases, cuda_cases == 1 ? "" : "s", cases.size() - cuda_cases,
                 cases.size() - cuda_cases == 1 ? "" : "s");
  const double ceiling = cuda ? measure_copy_ceiling_gbps(*cuda) : 0.0;
  std::string command = "prepbench run";
  for (const auto& s : args) command += " " + s;
  opt.copy_ceiling_gbps = ceiling;
  nlohmann::json meta = collect_meta(*cpu, cuda.get(), command, ceiling);
  if (!shard_meta.is_null()) meta["shard"] = shard_meta;
  if (a.has("inject-delay")) {
    meta["inject_delay"] = a.require("inject-delay");
    std::fprintf(stderr, "prepbench: --inject-delay %s: timed repetitions are deliberately slowed\n",
                 a.require("inject-delay").c_str());
  }
  if (cuda) std::fprintf(stderr, "prepbench: %s, copy ceiling %.0f GB/s\n", meta["gpu"].get<std::string>().c_str(), ceiling);

  install_signal_handlers_poll();
  opt.stop = &stop_flag();
  CaseRunner runner(*cpu, cuda.get(), cuda_why, opt);
  std::vector<Record> records;
  const auto t_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < cases.size() && !stop_requested(); ++i) {
    const Case& c = cases[i];
    runner.cache().keep_only(c.workload);
    records.push_back(runner.run(c));
    const Record& r = records.back();
    if (r.status == "skipped") continue;  // summarized once, above and below
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    std::string what = r.status;
    if (!r.samples_ms.empty()) {
      char b[64];
      std::snprintf(b, sizeof b, "median %.3f ms", summarize(r.samples_ms).median);
      what = b;
    } else if (!r.reason.empty()) {
      what += ": " + r.reason;
    }
    std::fprintf(stderr, "[%zu/%zu] %s: %s (ETA %.0fs)\n", i + 1, cases.size(), c.key().c_str(), what.c_str(),
                 el / double(i + 1) * double(cases.size() - i - 1));
  }
  if (stop_requested()) {
    std::fprintf(stderr, "prepbench: interrupted: no results written\n");
    return stop_exit_status();
  }

  if (meta.contains("shard"))
    meta["shard"]["wall_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  const nlohmann::json doc = make_results_document(meta, records);
  validate_results_document(doc);
  write_text_atomic(out_path, doc.dump(1) + "\n");
  std::map<std::string, int> n;
  for (const auto& r : records) ++n[r.status];
  if (n["skipped"] < int(records.size())) print_table(records);
  std::printf("\n");
  print_skipped(records);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
  if (records.empty()) {
    std::printf("wrote %s: this shard holds none of the %zu cases\n", out_path.c_str(), all_cases.size());
  } else if (n["skipped"] == int(records.size())) {
    std::printf("wrote %s: every one of the %zu selected cases was skipped (%s); nothing was measured\n",
                out_path.c_str(), records.size(), records.front().reason.c_str());
  } else {
    std::printf("wrote %s: %zu records (%d ok, %d failed, %d unsupported, %d skipped) in %.1f s\n", out_path.c_str(),
                records.size(), n["ok"], n["failed"], n["unsupported"], n["skipped"], secs);
  }
  return n["failed"] ? 1 : 0;
}

}  // namespace pb
