#include <cstdio>

#include "harness/case_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/sweep.hpp"

namespace pb {

const CommandSpec& spec_profile() {
  static const CommandSpec spec = [] {
    CommandSpec s{"profile", "--variants V --pipelines P --workloads W [selection] [--reps N] [--warm-l2]",
                  "per-kernel CUPTI table of one repetition per selected CUDA case (GPU; prints only)",
                  selection_options(SweepConfig{}),
                  "Needs a GPU: without one it says so in one line and exits 2."};
    s.options.push_back({"reps", "N", "timed repetitions per case (default 5)"});
    s.options.push_back({"warm-l2", "", "keep the L2 warm between repetitions (default: cold)"});
    return s;
  }();
  return spec;
}

// prepbench profile: for every selected CUDA case, the per-kernel breakdown of one repetition (CUPTI) next to the
// median event time of a few timed ones.
int cmd_profile(const std::vector<std::string>& args) {
  Args a(args, spec_profile());
  SweepConfig cfg;
  for (const char* key : {"variants", "pipelines", "workloads"}) a.require(key);
  apply_selection(a, cfg);
  const std::vector<Case> cases = expand_cases(cfg);
  std::string why;
  auto cuda = make_cuda_backend(why);
  if (!cuda) throw UsageError("profile needs a GPU: " + why);
  auto cpu = make_cpu_backend();
  RunOptions opt;
  opt.gpu_reps = a.get_int("reps", 5, 1, 10000);
  opt.warm_l2 = a.flag("warm-l2");
  opt.parity_seed = 1;
  CaseRunner runner(*cpu, cuda.get(), why, opt);
  int failed = 0;
  for (const Case& c : cases) {
    std::printf("%s\n", c.key().c_str());
    runner.cache().keep_only(c.workload);
    const Record r = runner.run(c);
    if (r.status == "ok" && r.extra.contains("profile")) {
      std::printf("  median of %d timed repetitions (events): %.4f ms; profiled repetition (events): %.4f ms\n%s",
                  opt.gpu_reps, summarize(r.samples_ms).median, r.extra["profile"]["event_ms"].get<double>(),
                  runner.last_kernel_table().c_str());
    } else {
      std::printf("  %s: %s\n", r.status.c_str(), r.reason.empty() ? "not a CUDA case" : r.reason.c_str());
      failed += r.status == "failed";
    }
  }
  return failed ? 1 : 0;
}

}  // namespace pb
