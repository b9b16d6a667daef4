#pragma once
// The regression gate: compares a candidate results document with a baseline, record by record.
//
// Timing is judged per record and corrected for testing many records at once (Holm's step-down at family-wise
// level alpha); a record regresses only when it is also slower by more than max_slowdown. Runs made in different
// sessions of a shared machine drift by tens of percent as a whole, which no within-run test can see: time is
// meant to be judged on a `prepbench ab` document, whose two sides ran interleaved case by case, round by round,
// in one session. There the rounds are the independent units (a process's repetitions share its luck): a paired
// Student t on the log ratio of each round's medians, the ratio being their geometric mean. Two separate
// documents fall back to a Mann-Whitney U test on the pooled samples, with a warning. Each row says the smallest
// slowdown its data could have shown at Holm's strictest level, and a gate that cannot reach that level on any
// record is refused.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pb {

// Two-sided Mann-Whitney U test (average ranks for ties, normal approximation with tie and continuity
// correction). Returns the p-value of "both samples come from the same distribution".
double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b);
// The smallest p the test can give for n1 vs n2 samples (every baseline sample below every candidate one).
double min_achievable_p(size_t n1, size_t n2);
// The smallest slowdown d for which base vs base * (1 + d) gives p <= level; infinity when none does (d <= 10).
double detectable_slowdown(const std::vector<double>& base, double level);
// Two-sided p of Student's t with df degrees of freedom.
double student_t_p(double t, int df);

struct GateOptions {
  double max_slowdown = 0.05;  // a median ratio above 1 + this may be a regression
  double alpha = 0.01;         // family-wise: Holm's correction over every timed record
  bool allow_different_hardware = false;
  bool parity_only = false;    // CPU CI: timings on shared runners mean nothing, parity does
  bool interleaved = false;    // the documents are the two sides of one `prepbench ab` run
};

struct GateRow {
  std::string key;      // variant/pipeline/workload/layout/dtype/mode
  std::string verdict;  // regressed | improved | unchanged | new | missing
  std::string why;
  double base_ms = 0, cand_ms = 0, ratio = 0, p = 1;
  double detectable = 0;  // the smallest slowdown these samples could show (fraction; inf: none)
  bool has_timing = false;
  std::string parity;   // "ok -> ok", "ok -> FAIL", ...
};

struct GateReport {
  std::vector<GateRow> rows;
  std::vector<std::string> warnings;
  int regressions() const;
  std::string markdown() const;
};

// Throws std::invalid_argument for documents that cannot be compared (schema, hardware) and for timing gates whose
// sample sizes cannot reach the corrected level on any record.
GateReport run_gate(const nlohmann::json& baseline, const nlohmann::json& candidate, const GateOptions& opt);

// The baseline and candidate documents of a `prepbench ab` document (records split by their ab_side).
std::pair<nlohmann::json, nlohmann::json> split_ab_document(const nlohmann::json& ab);

}  // namespace pb
