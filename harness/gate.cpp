#include "harness/gate.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>

#include "harness/case.hpp"
#include "harness/results.hpp"
#include "harness/stats.hpp"

namespace pb {

double mann_whitney_p(const std::vector<double>& a, const std::vector<double>& b) {
  const double n1 = double(a.size()), n2 = double(b.size());
  if (a.empty() || b.empty()) return 1.0;
  std::vector<std::pair<double, int>> all;
  for (double x : a) all.push_back({x, 0});
  for (double x : b) all.push_back({x, 1});
  std::sort(all.begin(), all.end());
  double rank_sum_a = 0, tie_term = 0;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j].first == all[i].first) ++j;
    const double avg_rank = (double(i) + double(j) + 1.0) / 2.0;  // ranks are 1-based
    const double t = double(j - i);
    tie_term += t * t * t - t;
    for (size_t k = i; k < j; ++k)
      if (all[k].second == 0) rank_sum_a += avg_rank;
    i = j;
  }
  const double u = rank_sum_a - n1 * (n1 + 1) / 2;
  const double n = n1 + n2;
  const double mean = n1 * n2 / 2;
  const double var = n1 * n2 / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (var <= 0) return 1.0;  // every value tied
  const double z = (std::fabs(u - mean) - 0.5) / std::sqrt(var);
  return std::min(1.0, std::erfc(std::max(z, 0.0) / std::sqrt(2.0)));
}

double min_achievable_p(size_t n1, size_t n2) {
  std::vector<double> a(n1), b(n2);
  for (size_t i = 0; i < n1; ++i) a[i] = double(i);
  for (size_t i = 0; i < n2; ++i) b[i] = double(n1 + i);
  return mann_whitney_p(a, b);
}

double detectable_slowdown(const std::vector<double>& base, double level) {
  auto p_at = [&](double d) {
    std::vector<double> slow(base);
    for (double& x : slow) x *= 1 + d;
    return mann_whitney_p(base, slow);
  };
  if (base.size() < 2 || p_at(10.0) > level) return std::numeric_limits<double>::infinity();
  double lo = 0, hi = 10.0;
  for (int it = 0; it < 40; ++it) {
    const double mid = 0.5 * (lo + hi);
    (p_at(mid) <= level ? hi : lo) = mid;
  }
  return hi;
}

double student_t_p(double t, int df) {
  // two-sided p = I_{df / (df + t^2)}(df / 2, 1 / 2), the regularized incomplete beta by Lentz's continued fraction
  if (df < 1) return 1.0;
  const double x = df / (df + t * t), a = 0.5 * df, b = 0.5;
  if (x >= 1.0) return 1.0;
  if (x <= 0.0) return 0.0;
  const double front = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  auto cf = [](double aa, double bb, double xx) {
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (aa + bb) * xx / (aa + 1.0);
    d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
    double h = d;
    for (int m = 1; m <= 300; ++m) {
      const double m2 = 2.0 * m;
      double num = m * (bb - m) * xx / ((aa + m2 - 1.0) * (aa + m2));
      d = 1.0 + num * d;
      c = 1.0 + num / c;
      d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
      h *= d * (std::fabs(c) < tiny ? tiny : c);
      num = -(aa + m) * (aa + bb + m) * xx / ((aa + m2) * (aa + m2 + 1.0));
      d = 1.0 + num * d;
      c = 1.0 + num / c;
      d = 1.0 / (std::fabs(d) < tiny ? tiny : d);
      const double delta = d * (std::fabs(c) < tiny ? tiny : c);
      h *= delta;
      if (std::fabs(delta - 1.0) < 1e-14) break;
    }
    return h;
  };
  // the continued fraction converges for x < (a + 1) / (a + b + 2); use the symmetry otherwise
  if (x < (a + 1.0) / (a + b + 2.0)) return std::min(1.0, front * cf(a, b, x) / a);
  const double front2 = std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
  return std::max(0.0, std::min(1.0, 1.0 - front2 * cf(b, a, 1.0 - x) / b));
}

int GateReport::regressions() const {
  return int(std::count_if(rows.begin(), rows.end(), [](const GateRow& r) { return r.verdict == "regressed"; }));
}

std::string GateReport::markdown() const {
  std::ostringstream s;
  const char* order[] = {"regressed", "improved", "missing", "new", "unchanged"};
  s << "| verdict | case | baseline ms | candidate ms | ratio | p | detectable | parity | why |\n"
       "|---|---|---|---|---|---|---|---|---|\n";
  for (const char* v : order)
    for (const auto& r : rows) {
      if (r.verdict != v) continue;
      char buf[200] = "| - | - | - | - | - ";
      if (r.has_timing) {
        char det[32] = "none";
        if (std::isfinite(r.detectable)) std::snprintf(det, sizeof det, "%.1f %%", 100 * r.detectable);
        std::snprintf(buf, sizeof buf, "| %.4f | %.4f | %.3f | %.2g | %s ", r.base_ms, r.cand_ms, r.ratio, r.p, det);
      }
      s << "| " << r.verdict << " | " << r.key << " " << buf << "| " << r.parity << " | " << r.why << " |\n";
    }
  for (const auto& w : warnings) s << "\nwarning: " << w << "\n";
  std::map<std::string, int> n;
  for (const auto& r : rows) n[r.verdict]++;
  s << "\n" << n["regressed"] << " regressed, " << n["improved"] << " improved, " << n["unchanged"] << " unchanged, "
    << n["new"] << " new, " << n["missing"] << " missing\n";
  return s.str();
}

namespace {

std::vector<double> samples_of(const nlohmann::json& r) {
  std::vector<double> s;
  if (r.contains("time_ms") && r["time_ms"].is_object() && r["time_ms"].contains("samples"))
    for (const auto& x : r["time_ms"]["samples"]) s.push_back(x.get<double>());
  return s;
}

bool parity_ok(const nlohmann::json& r) {
  return r.contains("parity") && r["parity"].is_object() && r["parity"].value("ok", false) &&
         r["parity"].value("max_abs", 0.0) <= r["parity"].value("tol", 0.0) * (1 + 1e-12);
}

std::string parity_word(const nlohmann::json& r) {
  if (!r.contains("parity") || !r["parity"].is_object()) return "-";
  return parity_ok(r) ? "ok" : "FAIL";
}

// An A/B document's records carry each round's median per side: the rounds, not the samples, are the independent
// units (a process's repetitions share its luck), so the test pairs them.
std::vector<double> round_log_ratios(const nlohmann::json& b, const nlohmann::json& c) {
  if (!b.contains("ab_round_medians") || !c.contains("ab_round_medians")) return {};
  const auto& mb = b["ab_round_medians"];
  const auto& mc = c["ab_round_medians"];
  std::vector<double> d;
  if (!mb.is_array() || !mc.is_array() || mb.size() != mc.size()) return d;
  for (size_t i = 0; i < mb.size(); ++i) {
    if (!mb[i].is_number() || !mc[i].is_number() || mb[i].get<double>() <= 0 || mc[i].get<double>() <= 0) return {};
    d.push_back(std::log(mc[i].get<double>() / mb[i].get<double>()));
  }
  return d;
}

// Paired test over rounds: one-sample Student t of the log ratios. Sets ratio (their geometric mean), p, and the
// smallest slowdown these rounds could have shown at `level`.
void paired_rounds(const std::vector<double>& d, double level, GateRow& row) {
  const double n = double(d.size());
  double mean = 0, var = 0;
  for (double x : d) mean += x / n;
  for (double x : d) var += (x - mean) * (x - mean) / (n - 1);
  const double se = std::sqrt(var / n);
  row.ratio = std::exp(mean);
  row.p = se > 0 ? student_t_p(mean / se, int(n) - 1) : (mean == 0 ? 1.0 : 0.0);
  double lo = 0, hi = 1e3;  // the t that reaches `level`, by bisection
  for (int it = 0; it < 200; ++it) {
    const double mid = 0.5 * (lo + hi);
    (student_t_p(mid, int(n) - 1) <= level ? hi : lo) = mid;
  }
  row.detectable = std::exp(hi * se) - 1;
}

// Holm's step-down over the timed rows: the i-th smallest p (0-based) of m is significant at alpha / (m - i) while
// every smaller one was; a regression also needs the median ratio beyond max_slowdown.
template <typename Timed>
void decide_timing(GateReport& rep, const std::vector<Timed>& timed, const GateOptions& opt) {
  const size_t m = timed.size();
  if (m == 0) return;
  const double strictest = opt.alpha / double(m);
  size_t reachable = 0;
  for (const Timed& t : timed) {
    GateRow& row = rep.rows[t.row];
    if (t.log_ratios.size() >= 3) {
      paired_rounds(t.log_ratios, strictest, row);
      ++reachable;
    } else {
      row.detectable = detectable_slowdown(t.base, strictest);
      reachable += min_achievable_p(t.base.size(), t.cand.size()) <= strictest;
    }
    row.detectable = std::max(opt.max_slowdown, row.detectable);
  }
  char lvl[64];
  std::snprintf(lvl, sizeof lvl, "%.2g", strictest);
  if (reachable == 0)
    throw std::invalid_argument("no record has samples enough for the U test to reach alpha / " + std::to_string(m) +
                                " = " + lvl + " (" + std::to_string(timed[0].base.size()) + " vs " +
                                std::to_string(timed[0].cand.size()) +
                                " samples): add repetitions or rounds (prepbench ab --rounds), or gate --parity-only");
  if (reachable < m)
    rep.warnings.push_back(std::to_string(m - reachable) + " of " + std::to_string(m) +
                           " timed records have too few samples to reach alpha / m = " + lvl + ": they cannot fail");
  if (!opt.interleaved)
    rep.warnings.push_back("the two documents were not measured interleaved in one session; on a shared machine "
                           "whole runs drift, so time is judged best on a `prepbench ab` document");
  std::vector<size_t> order(m);
  for (size_t i = 0; i < m; ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return rep.rows[timed[a].row].p < rep.rows[timed[b].row].p; });
  bool still = true;
  for (size_t i = 0; i < m; ++i) {
    GateRow& row = rep.rows[timed[order[i]].row];
    still = still && row.p <= opt.alpha / double(m - i);
    if (still && row.ratio > 1 + opt.max_slowdown) {
      row.verdict = "regressed";
      row.why = "slower";
    } else if (still && row.ratio < 1 - opt.max_slowdown) {
      row.verdict = "improved";
      row.why = "faster";
    } else if (std::fabs(row.ratio - 1) > opt.max_slowdown) {
      row.why = "shift within noise (not significant after Holm's correction)";
    }
  }
}

}  // namespace

GateReport run_gate(const nlohmann::json& base, const nlohmann::json& cand, const GateOptions& opt) {
  validate_results_document(base);
  validate_results_document(cand);
  // meta.gpu is optional (CPU runs have none): a const operator[] on an absent key would be undefined behaviour
  const auto gpu = [](const nlohmann::json& d) {
    const nlohmann::json& m = d.at("meta");
    const auto it = m.find("gpu");
    return it != m.end() && it->is_string() ? it->get<std::string>() : std::string("none");
  };
  if (gpu(base) != gpu(cand) && !opt.allow_different_hardware)
    throw std::invalid_argument("different hardware: baseline on " + gpu(base) + ", candidate on " + gpu(cand) +
                                " (--allow-different-hardware to compare anyway)");
  GateReport rep;
  if (base.at("meta").contains("inject_delay") || cand.at("meta").contains("inject_delay"))
    rep.warnings.push_back("a document was made with --inject-delay (a deliberate slowdown for testing the gate)");
  struct Timed {
    size_t row;
    std::vector<double> base, cand;  // the pooled samples
    std::vector<double> log_ratios;  // an A/B document: log(candidate / baseline) of each round's medians
  };
  std::vector<Timed> timed;
  std::map<std::string, const nlohmann::json*> b, c;
  for (const auto& r : base["records"]) b[record_key(r)] = &r;
  for (const auto& r : cand["records"]) c[record_key(r)] = &r;
  for (const auto& [key, br] : b) {
    GateRow row;
    row.key = key;
    const bool base_ok = (*br)["status"] == "ok";
    auto it = c.find(key);
    if (it == c.end()) {
      row.verdict = base_ok ? "regressed" : "missing";
      row.why = base_ok ? "was ok, missing from the candidate" : "absent (was " + (*br)["status"].get<std::string>() + ")";
      row.parity = parity_word(*br) + " -> -";
      rep.rows.push_back(row);
      continue;
    }
    const nlohmann::json& cr = *it->second;
    row.parity = parity_word(*br) + " -> " + parity_word(cr);
    const bool cand_ok = cr["status"] == "ok";
    if (base_ok && !cand_ok) {
      row.verdict = "regressed";
      row.why = "status ok -> " + cr["status"].get<std::string>() + ": " + cr.value("reason", std::string());
      rep.rows.push_back(row);
      continue;
    }
    if (!base_ok || !cand_ok) {
      row.verdict = "unchanged";
      row.why = "not measured (" + cr["status"].get<std::string>() + ")";
      rep.rows.push_back(row);
      continue;
    }
    if (parity_ok(*br) && !parity_ok(cr)) {
      row.verdict = "regressed";
      row.why = "parity lost (max_abs " + std::to_string(cr["parity"].value("max_abs", 0.0)) + ", tol " +
                std::to_string(cr["parity"].value("tol", 0.0)) + ")";
      rep.rows.push_back(row);
      continue;
    }
    row.verdict = "unchanged";
    const auto sb = samples_of(*br), sc = samples_of(cr);
    if (!opt.parity_only && !sb.empty() && !sc.empty()) {
      row.has_timing = true;
      row.base_ms = summarize(sb).median;
      row.cand_ms = summarize(sc).median;
      row.ratio = row.cand_ms / row.base_ms;
      row.p = mann_whitney_p(sb, sc);
      timed.push_back({rep.rows.size(), sb, sc, opt.interleaved ? round_log_ratios(*br, cr) : std::vector<double>{}});
    }
    rep.rows.push_back(row);
  }
  for (const auto& [key, cr] : c)
    if (!b.count(key)) {
      GateRow row;
      row.key = key;
      row.verdict = "new";
      row.why = "status " + (*cr)["status"].get<std::string>();
      row.parity = "- -> " + parity_word(*cr);
      rep.rows.push_back(row);
    }
  decide_timing(rep, timed, opt);
  return rep;
}

std::pair<nlohmann::json, nlohmann::json> split_ab_document(const nlohmann::json& ab) {
  validate_results_document(ab);
  if (!ab["meta"].contains("ab")) throw std::invalid_argument("not a prepbench ab document (no meta.ab)");
  nlohmann::json base = {{"schema", ab["schema"]}, {"meta", ab["meta"]}, {"records", nlohmann::json::array()}};
  nlohmann::json cand = base;
  for (const auto& r : ab["records"]) {
    const std::string side = r.value("ab_side", "");
    if (side == "baseline") base["records"].push_back(r);
    else if (side == "candidate") cand["records"].push_back(r);
    else throw std::invalid_argument("an ab document's record has no ab_side baseline or candidate");
  }
  return {base, cand};
}

}  // namespace pb
