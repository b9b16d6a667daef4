#include "harness/results.hpp"

#include <fstream>
#include <stdexcept>

#include "harness/cli_args.hpp"

namespace pb {

nlohmann::json samples_to_json(const std::vector<double>& samples) {
  const Summary s = summarize(samples);
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"mean", s.mean}, {"p10", s.p10},
          {"p25", s.p25},       {"p75", s.p75}, {"p90", s.p90}, {"iqr", s.iqr},   {"n", s.n},
          {"samples", samples}};
}

nlohmann::json record_to_json(const Record& r) {
  nlohmann::json j;
  j["kind"] = r.kind;
  j["variant"] = r.variant;
  j["backend"] = r.backend;
  j["pipeline"] = r.pipeline;
  j["workload"] = r.workload;
  j["layout"] = r.layout;
  j["dtype"] = r.dtype;
  j["mode"] = r.mode;
  j["status"] = r.status;
  j["reason"] = r.reason.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.reason);
  if (!r.samples_ms.empty()) {
    j["time_ms"] = samples_to_json(r.samples_ms);
    const double median = j["time_ms"]["median"].get<double>();
    j["gbps"] = median > 0 ? double(r.bytes_moved) / (median * 1e-3) / 1e9 : 0.0;
  } else {
    j["time_ms"] = nullptr;
    j["gbps"] = nullptr;
  }
  j["bytes_moved"] = r.bytes_moved;
  j["peak_workspace_bytes"] = r.peak_workspace_bytes;
  j["output_bytes"] = r.output_bytes;
  if (r.has_parity) {
    const ParityResult& p = r.parity;
    j["parity"] = {{"max_abs", p.max_abs},         {"rms", p.rms},
                   {"rel_l2", p.rel_l2},           {"frac_over_tol", p.frac_over_tol},
                   {"frac_inexact", p.frac_inexact}, {"tol", p.tol},
                   {"unwritten", p.unwritten},     {"elements", p.elements},
                   {"ok", p.ok}};
  } else {
    j["parity"] = nullptr;
  }
  j["repro"] = r.repro;
  for (auto it = r.extra.begin(); it != r.extra.end(); ++it) j[it.key()] = it.value();
  return j;
}

nlohmann::json make_results_document(const nlohmann::json& meta, const std::vector<Record>& records) {
  nlohmann::json doc;
  doc["schema"] = kResultsSchema;
  doc["meta"] = meta;
  doc["records"] = nlohmann::json::array();
  for (const auto& r : records) doc["records"].push_back(record_to_json(r));
  return doc;
}

nlohmann::json read_results_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw UsageError("cannot read '" + path + "'");
  try {
    return nlohmann::json::parse(f);
  } catch (const std::exception& e) {
    throw UsageError("'" + path + "' is not readable JSON (truncated or corrupt): " + e.what());
  }
}

void validate_results_document(const nlohmann::json& doc) {
  auto need = [](const nlohmann::json& o, const char* key, const std::string& where) {
    if (!o.is_object() || !o.contains(key)) throw std::runtime_error(where + " has no '" + key + "'");
  };
  need(doc, "schema", "document");
  if (doc["schema"] != kResultsSchema)
    throw std::runtime_error("unsupported schema '" + doc["schema"].dump() + "' (expected " + kResultsSchema + ")");
  need(doc, "meta", "document");
  need(doc, "records", "document");
  if (!doc["records"].is_array()) throw std::runtime_error("'records' is not an array");
  for (const char* k : {"gpu", "commit", "dirty", "command", "date"}) need(doc["meta"], k, "meta");
  size_t i = 0;
  for (const auto& r : doc["records"]) {
    const std::string where = "record " + std::to_string(i++);
    for (const char* k : {"kind", "variant", "backend", "pipeline", "workload", "layout", "dtype", "mode", "status"})
      need(r, k, where);
    const std::string st = r["status"];
    if (st != "ok" && st != "unsupported" && st != "skipped" && st != "failed")
      throw std::runtime_error(where + " has unknown status '" + st + "'");
    if (st == "ok") {
      need(r, "time_ms", where);
      for (const char* k : {"median", "min", "p10", "p90", "iqr", "n", "samples"}) need(r["time_ms"], k, where + " time_ms");
    }
  }
}

}  // namespace pb
