#include <benchmark/benchmark.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <random>
#include <unistd.h>

#include "core/parallel.hpp"
#include "harness/case_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/meta.hpp"
#include "profiling/nvtx.hpp"
#include "workloads/npy.hpp"

namespace pb {
namespace {

std::atomic<bool> g_interrupted{false};
extern "C" void on_signal(int) { g_interrupted = true; }

// Google Benchmark drives the repetitions; prepbench prints its own progress and table, so its reporter is mute.
class QuietReporter : public benchmark::BenchmarkReporter {
 public:
  bool ReportContext(const Context&) override { return true; }
  void ReportRuns(const std::vector<Run>&) override {}
};

std::string human_bytes(long long b) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f MiB", double(b) / (1 << 20));
  return buf;
}

void print_table(const std::vector<Record>& recs) {
  std::printf("\n%-24s %-18s %-20s %-4s %-9s %-5s %-11s %10s %9s %11s %10s %s\n", "variant", "pipeline", "workload",
              "lay", "dt", "mode", "status", "median_ms", "GB/s", "peak_ws", "max_abs", "parity");
  for (const auto& r : recs) {
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

}  // namespace

int cmd_run(const std::vector<std::string>& args) {
  Args a(args,
         {"variants", "pipelines", "workloads", "sweep", "reps", "cpu-reps", "warmup", "out", "layouts", "dtypes",
          "modes", "out-layouts", "threads", "seed", "inject-delay"},
         {"warm-l2", "strict", "no-kernel-trace", "cuda-graph"});
  SweepConfig cfg = a.has("sweep") ? load_sweep_file(a.require("sweep")) : SweepConfig{};
  if (a.has("variants")) cfg.variants = split_list(a.require("variants"));
  if (a.has("pipelines")) cfg.pipelines = split_list(a.require("pipelines"));
  if (a.has("workloads")) cfg.workloads = split_list(a.require("workloads"));
  if (a.has("layouts")) cfg.layouts = split_list(a.require("layouts"));
  if (a.has("dtypes")) cfg.dtypes = split_list(a.require("dtypes"));
  if (a.has("modes")) cfg.modes = split_list(a.require("modes"));
  if (a.has("out-layouts")) cfg.out_layouts = split_list(a.require("out-layouts"));
  cfg.gpu_reps = a.get_int("reps", cfg.gpu_reps, 1, 100000);
  cfg.cpu_reps = a.get_int("cpu-reps", a.has("reps") ? cfg.gpu_reps : cfg.cpu_reps, 1, 100000);
  cfg.warmup = a.get_int("warmup", cfg.warmup, 0, 1000);
  cfg.warm_l2 = cfg.warm_l2 || a.flag("warm-l2");
  cfg.cuda_graph = cfg.cuda_graph || a.flag("cuda-graph");
  if (a.has("threads")) set_thread_count(a.get_int("threads", 0, 1, 1024));
  const std::vector<Case> cases = expand_cases(cfg);
  const std::string out_path = a.get("out", "prepbench_results.json");
  check_writable(out_path);

  RunOptions opt;
  opt.gpu_reps = cfg.gpu_reps;
  opt.cpu_reps = cfg.cpu_reps;
  opt.warmup = cfg.warmup;
  opt.warm_l2 = cfg.warm_l2;
  opt.cuda_graph = cfg.cuda_graph;
  if (a.has("seed")) {
    const std::string seed = a.require("seed");
    if (seed.size() > 19 || seed.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--seed must be a non-negative integer below 10^19, got '" + seed + "'");
    opt.parity_seed = std::stoull(seed);
  } else {
    opt.parity_seed = uint64_t(std::random_device{}()) << 32 ^ std::random_device{}();
  }
  opt.inject_delay_us = a.get_double("inject-delay", 0.0);
  if (opt.inject_delay_us < 0 || opt.inject_delay_us > 1e6) throw UsageError("--inject-delay must be in [0, 1e6] microseconds");
  opt.trace_kernels = !a.flag("no-kernel-trace");
  opt.repro_suffix = " --reps " + std::to_string(cfg.gpu_reps) + " --cpu-reps " + std::to_string(cfg.cpu_reps) +
                     (cfg.warm_l2 ? " --warm-l2" : "") + (cfg.cuda_graph ? " --cuda-graph" : "");

  auto cpu = make_cpu_backend();
  std::unique_ptr<ExecBackend> cuda;
  std::string cuda_why;
  bool want_cuda = false;
  for (const auto& c : cases) want_cuda |= make_variant(c.variant)->info().backend == Backend::Cuda;
  if (want_cuda) cuda = make_cuda_backend(cuda_why);
  if (want_cuda && !cuda) std::fprintf(stderr, "prepbench: %s: CUDA variants are recorded as skipped; CPU variants run\n", cuda_why.c_str());
  const double ceiling = cuda ? measure_copy_ceiling_gbps(*cuda) : 0.0;
  std::string command = "prepbench run";
  for (const auto& s : args) command += " " + s;
  opt.copy_ceiling_gbps = ceiling;
  nlohmann::json meta = collect_meta(*cpu, cuda.get(), command, ceiling);
  if (opt.inject_delay_us > 0) {
    meta["inject_delay_us"] = opt.inject_delay_us;
    std::fprintf(stderr, "prepbench: --inject-delay %.1f us: every timed repetition is deliberately slowed\n", opt.inject_delay_us);
  }
  if (cuda) std::fprintf(stderr, "prepbench: %s, copy ceiling %.0f GB/s\n", meta["gpu"].get<std::string>().c_str(), ceiling);

  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  CaseRunner runner(*cpu, cuda.get(), cuda_why, opt);
  std::vector<Record> records(cases.size());
  const auto t_start = std::chrono::steady_clock::now();
  int done = 0;
  auto progress = [&](size_t i) {
    ++done;
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count();
    const double eta = el / done * double(cases.size() - size_t(done));
    const Record& r = records[i];
    std::string what = r.status;
    if (!r.samples_ms.empty()) {
      char b[64];
      std::snprintf(b, sizeof b, "median %.3f ms", summarize(r.samples_ms).median);
      what = b;
    } else if (!r.reason.empty()) {
      what += ": " + r.reason;
    }
    std::fprintf(stderr, "[%d/%zu] %s %s %s %s %s %s%s: %s (ETA %.0fs)\n", done, cases.size(), r.variant.c_str(),
                 r.pipeline.c_str(), r.workload.c_str(), r.layout.c_str(), r.dtype.c_str(), r.mode.c_str(),
                 cases[i].channels_last ? " nhwc" : "",
                 what.c_str(), eta);
  };

  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    Record& rec = records[i];
    rec.variant = c.variant;
    rec.pipeline = c.pipeline;
    rec.workload = c.workload;
    rec.layout = layout_name(c.layout);
    rec.dtype = dtype_name(c.dtype);
    rec.mode = mode_name(c.mode);
    rec.repro = repro_command(c, opt.repro_suffix);
    const std::string name = c.variant + "/" + c.pipeline + "/" + c.workload + "/" + rec.layout + "/" + rec.dtype + "/" +
                             rec.mode + (c.channels_last ? "/nhwc" : "");
    benchmark::RegisterBenchmark(name.c_str(), [&, i](benchmark::State& st) {
      Record& r = records[i];
      if (g_interrupted) {
        st.SkipWithError("interrupted");
        return;
      }
      runner.cache().keep_only(cases[i].workload);
      NvtxRange case_range("case " + cases[i].variant + "/" + cases[i].pipeline + "/" + cases[i].workload + "/" +
                           r.layout + "/" + r.dtype + "/" + r.mode);
      bool ok = false;
      try {
        ok = runner.prepare(cases[i], r);
      } catch (const OutOfMemory& e) {
        r.status = "failed";
        r.reason = e.what();
      } catch (const std::exception& e) {
        r.status = "failed";
        r.reason = e.what();
      }
      if (ok) {
        try {
          for (auto _ : st) {
            const double ms = runner.timed_rep();
            st.SetIterationTime(ms * 1e-3);
            r.samples_ms.push_back(ms);
          }
          runner.profile_rep(r);
        } catch (const std::exception& e) {
          r.status = "failed";
          r.reason = e.what();
          r.samples_ms.clear();
        }
      } else {
        st.SkipWithError(r.reason.c_str());
      }
      runner.finish(r);
      progress(i);
    })->UseManualTime()->Iterations(runner.reps_for(c))->Unit(benchmark::kMillisecond);
  }
  int bm_argc = 1;
  char prog[] = "prepbench";
  char* bm_argv[] = {prog, nullptr};
  benchmark::Initialize(&bm_argc, bm_argv);
  QuietReporter quiet;
  benchmark::RunSpecifiedBenchmarks(&quiet);
  benchmark::ClearRegisteredBenchmarks();
  if (g_interrupted) {
    std::fprintf(stderr, "prepbench: interrupted: no results written\n");
    return 130;
  }

  const nlohmann::json doc = make_results_document(meta, records);
  validate_results_document(doc);
  write_text_atomic(out_path, doc.dump(1) + "\n");
  print_table(records);
  int failed = 0;
  for (const auto& r : records) failed += r.status == "failed";
  std::printf("\nwrote %s: %zu records (%d failed) in %.1f s\n", out_path.c_str(), records.size(), failed,
              std::chrono::duration<double>(std::chrono::steady_clock::now() - t_start).count());
  return a.flag("strict") && failed ? 1 : 0;
}

}  // namespace pb
