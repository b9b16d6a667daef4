#include <gtest/gtest.h>

#include <fstream>

#include "cli_runner.hpp"
#include "harness/gate.hpp"

using namespace pb;
using nlohmann::json;

// p-values by hand (normal approximation with continuity and tie correction, as implemented):
//   {1,2,3} vs {4,5,6}: U = 0, mean 4.5, var 9/12*7 = 5.25, z = 4/sqrt(5.25) = 1.7457 -> p = erfc(z/sqrt2) = 0.080856
//   {1,2,2} vs {2,3,4}: ranks 1 | 3,3,3 | 5,6 -> U = 7 - 6 = 1; var = 9/12*(7 - 24/30) = 4.65; z = 3/sqrt(4.65)
//   = 1.39122 -> p = 0.164160
TEST(Gate, MannWhitneyHandComputed) {
  EXPECT_NEAR(mann_whitney_p({1, 2, 3}, {4, 5, 6}), 0.0808556, 1e-6);
  EXPECT_NEAR(mann_whitney_p({4, 5, 6}, {1, 2, 3}), 0.0808556, 1e-6);
  EXPECT_NEAR(mann_whitney_p({1, 2, 2}, {2, 3, 4}), 0.1641597, 1e-6);
  EXPECT_DOUBLE_EQ(mann_whitney_p({2, 2, 2}, {2, 2}), 1.0);
}

namespace {

json meta(const std::string& gpu) {
  return {{"gpu", gpu}, {"sm_count", 132}, {"l2_bytes", 1}, {"driver", "x"}, {"cuda", 13000}, {"host", "h"},
          {"compiler", json::object()}, {"flags", ""}, {"commit", "c"}, {"dirty", false}, {"command", "t"},
          {"date", "d"}, {"copy_ceiling_gbps", 3000.0}};
}

// One ok record whose samples are `center` * (1 + noise * u) with u spread evenly over [-1, 1] (stratified, so
// every set has exactly the intended centre and spread), in an order rotated by `rot`. By hand (same formula as
// mann_whitney_p): +5.1 % in 1 % noise gives p = 3.0e-11; +5.1 % in 20 % noise gives p ~ 0.12; equal centres p = 1.
json rec(const std::string& variant, double center, double noise, int n, int rot, bool parity_ok = true) {
  std::vector<double> s;
  for (int i = 0; i < n; ++i) s.push_back(center * (1 + noise * ((2.0 * ((i + rot) % n) + 1) / n - 1)));
  std::vector<double> sorted = s;
  std::sort(sorted.begin(), sorted.end());
  return {{"kind", "variant"}, {"variant", variant}, {"backend", "cuda"}, {"pipeline", "p"}, {"workload", "w"},
          {"layout", "hwc"}, {"dtype", "fp32"}, {"mode", "hf"}, {"status", "ok"}, {"reason", nullptr},
          {"time_ms", {{"median", sorted[sorted.size() / 2]}, {"min", sorted.front()}, {"p10", 0}, {"p90", 0},
                       {"iqr", 0}, {"n", n}, {"samples", s}}},
          {"parity", {{"max_abs", parity_ok ? 0.001 : 0.05}, {"tol", 0.0079}, {"ok", parity_ok}}}};
}

json doc(std::vector<json> recs, const std::string& gpu = "H100") {
  return {{"schema", "prepbench.results/1"}, {"meta", meta(gpu)}, {"records", recs}};
}

const GateRow& row(const GateReport& r, const std::string& variant) {
  for (const auto& x : r.rows)
    if (x.key.rfind(variant + "/", 0) == 0) return x;
  throw std::runtime_error("no row for " + variant);
}

}  // namespace

TEST(Gate, NoiseAwareDecisions) {
  const json base = doc({rec("same", 1.0, 0.01, 30, 1), rec("shift_tight", 1.0, 0.01, 30, 2),
                         rec("shift_noisy", 1.0, 0.20, 30, 3), rec("faster", 1.0, 0.01, 30, 4),
                         rec("few", 1.0, 0.01, 3, 5)});
  const json cand = doc({rec("same", 1.0, 0.01, 30, 11), rec("shift_tight", 1.051, 0.01, 30, 12),
                         rec("shift_noisy", 1.051, 0.20, 30, 13), rec("faster", 0.8, 0.01, 30, 14),
                         rec("few", 1.08, 0.01, 3, 15)});
  const GateReport r = run_gate(base, cand, {});
  EXPECT_EQ(row(r, "same").verdict, "unchanged");
  EXPECT_EQ(row(r, "shift_tight").verdict, "regressed");  // +5.1 % with 1 % noise: real (5.0 % would not exceed --max-slowdown 0.05)
  EXPECT_NEAR(row(r, "shift_tight").p, 3.0e-11, 1e-12);
  EXPECT_NEAR(row(r, "shift_noisy").p, 0.12, 0.01);
  EXPECT_EQ(row(r, "shift_noisy").verdict, "unchanged");  // +5 % inside 20 % noise: not provable
  EXPECT_EQ(row(r, "faster").verdict, "improved");
  EXPECT_EQ(row(r, "few").verdict, "regressed");  // 3 samples: ratio alone decides, with a warning
  EXPECT_FALSE(r.warnings.empty());
  EXPECT_EQ(r.regressions(), 2);
  EXPECT_NE(r.markdown().find("| regressed | shift_tight/"), std::string::npos);
}

TEST(Gate, ParityStatusAndMembership) {
  json failed = rec("now_failed", 1.0, 0.01, 30, 3);
  failed["status"] = "failed";
  failed["reason"] = "parity: 3 elements beyond tolerance";
  failed["time_ms"] = nullptr;
  const json base = doc({rec("flip", 1.0, 0.01, 30, 1), rec("gone", 1.0, 0.01, 30, 2), rec("now_failed", 1.0, 0.01, 30, 3)});
  const json cand = doc({rec("flip", 1.0, 0.01, 30, 11, false), failed, rec("fresh", 1.0, 0.01, 30, 4)});
  const GateReport r = run_gate(base, cand, {});
  EXPECT_EQ(row(r, "flip").verdict, "regressed");
  EXPECT_EQ(row(r, "flip").parity, "ok -> FAIL");
  EXPECT_EQ(row(r, "gone").verdict, "regressed");
  EXPECT_EQ(row(r, "now_failed").verdict, "regressed");
  EXPECT_EQ(row(r, "fresh").verdict, "new");
  GateOptions parity_only;
  parity_only.parity_only = true;
  const json slow = doc({rec("flip", 3.0, 0.01, 30, 11)});
  EXPECT_EQ(run_gate(doc({rec("flip", 1.0, 0.01, 30, 1)}), slow, parity_only).regressions(), 0);
}

// A CUDA-graph replay is a different case from stream launches of the same variant: never compared with each other.
TEST(Gate, GraphReplaysAreTheirOwnCases) {
  json graph = rec("v", 0.5, 0.01, 30, 2);
  graph["launch"] = "cuda_graph";
  json stream = rec("v", 1.0, 0.01, 30, 1);
  stream["launch"] = "stream";
  const GateReport r = run_gate(doc({stream}), doc({graph}), {});
  ASSERT_EQ(r.rows.size(), 2u);
  for (const auto& x : r.rows) EXPECT_TRUE(x.verdict == "regressed" || x.verdict == "new") << x.key << " " << x.verdict;
  EXPECT_EQ(r.regressions(), 1);  // the stream case went missing; the graph case is new, not "improved"
}

// Channels-last records are their own cases too.
TEST(Gate, ChannelsLastIsItsOwnCase) {
  json nhwc = rec("v", 0.5, 0.01, 30, 2);
  nhwc["out_layout"] = "nhwc";
  json nchw = rec("v", 1.0, 0.01, 30, 1);
  nchw["out_layout"] = "nchw";
  const GateReport r = run_gate(doc({nchw}), doc({nhwc}), {});
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.regressions(), 1);  // the nchw case went missing; the nhwc case is new
}

TEST(Gate, RefusesOtherHardwareUnlessAllowed) {
  const json a = doc({rec("x", 1.0, 0.01, 30, 1)}, "H100"), b = doc({rec("x", 1.0, 0.01, 30, 2)}, "H200");
  EXPECT_THROW(run_gate(a, b, {}), std::invalid_argument);
  GateOptions allow;
  allow.allow_different_hardware = true;
  EXPECT_NO_THROW(run_gate(a, b, allow));
}

TEST(Gate, CliExitCodes) {
  using namespace pbtest;
  const std::string d = tmp_dir();
  const json base = doc({rec("x", 1.0, 0.01, 30, 1)});
  std::ofstream(d + "/g_base.json") << base.dump();
  std::ofstream(d + "/g_same.json") << doc({rec("x", 1.0, 0.01, 30, 2)}).dump();
  std::ofstream(d + "/g_slow.json") << doc({rec("x", 1.2, 0.01, 30, 3)}).dump();
  std::ofstream(d + "/g_other.json") << doc({rec("x", 1.0, 0.01, 30, 2)}, "A100").dump();
  const std::string full = base.dump();
  std::ofstream(d + "/g_trunc.json") << full.substr(0, full.size() / 2);
  EXPECT_EQ(run_cli("gate --baseline " + d + "/g_base.json --candidate " + d + "/g_same.json").status, 0);
  const CliResult slow = run_cli("gate --baseline " + d + "/g_base.json --candidate " + d + "/g_slow.json --markdown " + d + "/g.md");
  EXPECT_EQ(slow.status, 1);
  EXPECT_NE(slow.out.find("| regressed |"), std::string::npos);
  EXPECT_NE(slurp(d + "/g.md").find("1 regressed"), std::string::npos);
  for (const char* bad : {"/g_trunc.json", "/g_other.json", "/missing.json"}) {
    const CliResult r = run_cli("gate --baseline " + d + "/g_base.json --candidate " + d + bad);
    EXPECT_EQ(r.status, 2) << bad << r.err;
    EXPECT_EQ(r.err_lines(), 1) << bad << r.err;
  }
}
