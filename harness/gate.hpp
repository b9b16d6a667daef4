#pragma once
// The regression gate: compares a candidate results document with a baseline, record by record.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pb {

// Two-sided Mann-Whitney U test (average ranks for ties, normal approximation with tie and continuity
// correction). Returns the p-value of "both samples come from the same distribution".
double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b);

struct GateOptions {
  double max_slowdown = 0.05;  // a median ratio above 1 + this may be a regression
  double alpha = 0.01;         // ... if the U test also rejects equality at this level
  int min_samples = 5;         // below this the test has no power: warn and decide on the ratio alone
  bool allow_different_hardware = false;
  bool parity_only = false;    // CPU CI: timings on shared runners mean nothing, parity does
};

struct GateRow {
  std::string key;      // variant/pipeline/workload/layout/dtype/mode
  std::string verdict;  // regressed | improved | unchanged | new | missing
  std::string why;
  double base_ms = 0, cand_ms = 0, ratio = 0, p = 1;
  bool has_timing = false;
  std::string parity;   // "ok -> ok", "ok -> FAIL", ...
};

struct GateReport {
  std::vector<GateRow> rows;
  std::vector<std::string> warnings;
  int regressions() const;
  std::string markdown() const;
};

// Throws std::invalid_argument for documents that cannot be compared (schema, hardware).
GateReport run_gate(const nlohmann::json& baseline, const nlohmann::json& candidate, const GateOptions& opt);

}  // namespace pb
