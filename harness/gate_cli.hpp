#pragma once
// The gate's command-line part, shared by `gate` and `ab`: its threshold options, and the step that runs the gate,
// prints the table and the verdict line, and gives the exit status.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cli_args.hpp"
#include "harness/gate.hpp"

namespace pb {

// --max-slowdown, --alpha, --markdown, their defaults in the help.
std::vector<OptionSpec> gate_threshold_options();
// Reads them into `opt`; UsageError unless both are in (0, 1).
void read_gate_thresholds(const Args& a, GateOptions& opt);
// Runs the gate (UsageError when it refuses), prints the table to stdout (and to --markdown), then on stderr
// "<verdict_prefix>gate: pass|FAIL (n regressions)". Returns 0 on pass, 1 on a regression.
int gate_and_report(const nlohmann::json& base, const nlohmann::json& cand, const GateOptions& opt, const Args& a,
                    const std::string& verdict_prefix);

}  // namespace pb
