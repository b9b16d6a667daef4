#include <cstdio>
#include <tuple>
#include <fstream>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/gate.hpp"
#include "harness/gate_cli.hpp"
#include "harness/results.hpp"
#include "workloads/npy.hpp"

namespace pb {

std::vector<OptionSpec> gate_threshold_options() {
  const GateOptions d;
  auto num = [](double v) {
    char b[32];
    std::snprintf(b, sizeof b, "%g", v);
    return std::string(b);
  };
  return {{"max-slowdown", "F", "a median slower by more than this fraction can fail (default " + num(d.max_slowdown) + ")"},
          {"alpha", "P", "family-wise significance level, Holm-corrected over the timed records (default " + num(d.alpha) + ")"},
          {"markdown", "FILE", "also write the gate's table to FILE"}};
}

void read_gate_thresholds(const Args& a, GateOptions& opt) {
  opt.max_slowdown = a.get_double("max-slowdown", opt.max_slowdown);
  opt.alpha = a.get_double("alpha", opt.alpha);
  if (opt.max_slowdown <= 0 || opt.max_slowdown >= 1) throw UsageError("--max-slowdown must be in (0, 1)");
  if (opt.alpha <= 0 || opt.alpha >= 1) throw UsageError("--alpha must be in (0, 1)");
}

int gate_and_report(const nlohmann::json& base, const nlohmann::json& cand, const GateOptions& opt, const Args& a,
                    const std::string& verdict_prefix) {
  GateReport rep;
  try {
    rep = run_gate(base, cand, opt);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  const std::string md = rep.markdown();
  std::fputs(md.c_str(), stdout);
  if (a.has("markdown")) write_text_atomic(a.require("markdown"), md);
  const int n = rep.regressions();
  std::fflush(stdout);  // the verdict line follows the table, also when both streams go to one log
  std::fprintf(stderr, "%sgate: %s (%d regression%s)\n", verdict_prefix.c_str(), n ? "FAIL" : "pass", n,
               n == 1 ? "" : "s");
  return n ? 1 : 0;
}

// Exit 0 pass, 1 regression, 2 unusable input (thrown, turned into exit 2 by main).
const CommandSpec& spec_gate() {
  static const CommandSpec spec = [] {
    CommandSpec s{
        "gate", "(--baseline A.json --candidate B.json | --ab AB.json) [options]",
        "compare two results documents: slower beyond noise, or parity lost, fails",
        {{"baseline", "A.json", "the reference run"},
         {"candidate", "B.json", "the run under test"},
         {"ab", "AB.json", "instead of the two: a `prepbench ab` document (both sides, interleaved in one session)"},
         {"parity-only", "", "judge parity and status only, not time"},
         {"allow-different-hardware", "", "compare runs from different GPUs or CPUs"}},
        "Exit status: 0 pass, 1 regression, 2 unusable input."};
    for (auto& o : gate_threshold_options()) s.options.push_back(o);
    return s;
  }();
  return spec;
}

int cmd_gate(const std::vector<std::string>& args) {
  Args a(args, spec_gate());
  GateOptions opt;
  read_gate_thresholds(a, opt);
  opt.allow_different_hardware = a.flag("allow-different-hardware");
  opt.parity_only = a.flag("parity-only");
  nlohmann::json base, cand;
  if (a.has("ab")) {
    if (a.has("baseline") || a.has("candidate")) throw UsageError("give --ab, or --baseline and --candidate, not both");
    try {
      std::tie(base, cand) = split_ab_document(read_results_file(a.require("ab")));
    } catch (const UsageError&) {
      throw;
    } catch (const std::exception& e) {
      throw UsageError("'" + a.require("ab") + "': " + e.what());
    }
    opt.interleaved = true;
  } else {
    base = read_results_file(a.require("baseline"));
    cand = read_results_file(a.require("candidate"));
  }
  return gate_and_report(base, cand, opt, a, "");
}

}  // namespace pb
