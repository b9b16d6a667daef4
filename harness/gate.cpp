#include "harness/gate.hpp"

#include <algorithm>
#include <cmath>
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

int GateReport::regressions() const {
  return int(std::count_if(rows.begin(), rows.end(), [](const GateRow& r) { return r.verdict == "regressed"; }));
}

std::string GateReport::markdown() const {
  std::ostringstream s;
  const char* order[] = {"regressed", "improved", "missing", "new", "unchanged"};
  s << "| verdict | case | baseline ms | candidate ms | ratio | p | parity | why |\n|---|---|---|---|---|---|---|---|\n";
  for (const char* v : order)
    for (const auto& r : rows) {
      if (r.verdict != v) continue;
      char buf[160] = "| - | - | - | - ";
      if (r.has_timing)
        std::snprintf(buf, sizeof buf, "| %.4f | %.4f | %.3f | %.2g ", r.base_ms, r.cand_ms, r.ratio, r.p);
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

}  // namespace

GateReport run_gate(const nlohmann::json& base, const nlohmann::json& cand, const GateOptions& opt) {
  validate_results_document(base);
  validate_results_document(cand);
  const auto gpu = [](const nlohmann::json& d) { return d["meta"]["gpu"].is_string() ? d["meta"]["gpu"].get<std::string>() : "none"; };
  if (gpu(base) != gpu(cand) && !opt.allow_different_hardware)
    throw std::invalid_argument("different hardware: baseline on " + gpu(base) + ", candidate on " + gpu(cand) +
                                " (--allow-different-hardware to compare anyway)");
  GateReport rep;
  if (base["meta"].value("inject_delay_us", 0.0) > 0 || cand["meta"].value("inject_delay_us", 0.0) > 0)
    rep.warnings.push_back("a document was made with --inject-delay (a deliberate slowdown for testing the gate)");
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
      const bool few = int(sb.size()) < opt.min_samples || int(sc.size()) < opt.min_samples;
      if (few)
        rep.warnings.push_back(key + ": fewer than " + std::to_string(opt.min_samples) +
                               " samples, decided on the median ratio alone");
      const bool significant = few || row.p < opt.alpha;
      if (row.ratio > 1 + opt.max_slowdown && significant) {
        row.verdict = "regressed";
        row.why = "slower";
      } else if (row.ratio < 1 - opt.max_slowdown && significant) {
        row.verdict = "improved";
        row.why = "faster";
      } else if (std::fabs(row.ratio - 1) > opt.max_slowdown) {
        row.why = "shift within noise (U test p >= alpha)";
      }
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
  return rep;
}

}  // namespace pb
