#include "harness/results.hpp"

#include <cmath>
#include <set>
#include <stdexcept>

#include "harness/cli_args.hpp"
#include "harness/json_file.hpp"

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

nlohmann::json read_results_file(const std::string& path) { return read_json_file(path, "results file"); }

namespace {

[[noreturn]] void invalid(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + " " + what);
}

const nlohmann::json& field(const nlohmann::json& o, const char* key, const std::string& where) {
  if (!o.is_object() || !o.contains(key)) invalid(where, std::string("has no '") + key + "'");
  return o[key];
}

void string_field(const nlohmann::json& o, const char* key, const std::string& where) {
  if (!field(o, key, where).is_string()) invalid(where, std::string("'") + key + "' is not a string");
}

double positive_number(const nlohmann::json& v, const std::string& where, const char* what, bool zero_ok = false) {
  if (!v.is_number()) invalid(where, std::string(what) + " is not a number");
  const double x = v.get<double>();
  if (!std::isfinite(x) || x < 0 || (x == 0 && !zero_ok))
    invalid(where, std::string(what) + " must be " + (zero_ok ? "finite and >= 0" : "finite and > 0") + ", got " +
                       json_excerpt(v));
  return x;
}

}  // namespace

void validate_results_document(const nlohmann::json& doc) {
  if (!doc.is_object()) invalid("document", "is not a JSON object");
  const nlohmann::json& schema = field(doc, "schema", "document");
  if (schema != kResultsSchema)
    invalid("document", "has unsupported schema " + json_excerpt(schema) + " (expected " + kResultsSchema + ")");
  const nlohmann::json& meta = field(doc, "meta", "document");
  if (!meta.is_object()) invalid("document", "'meta' is not an object");
  for (const char* k : {"command", "date"}) string_field(meta, k, "meta");
  if (meta.contains("gpu") && !meta["gpu"].is_string() && !meta["gpu"].is_null()) invalid("meta", "'gpu' is not a string");
  const nlohmann::json& records = field(doc, "records", "document");
  if (!records.is_array()) invalid("document", "'records' is not an array");
  static const std::set<std::string> statuses = {"ok", "unsupported", "skipped", "failed"};
  size_t i = 0;
  for (const auto& r : records) {
    const std::string where = "record " + std::to_string(i++);
    if (!r.is_object()) invalid(where, "is not an object");
    for (const char* k : {"kind", "variant", "backend", "pipeline", "workload", "layout", "dtype", "mode", "status"})
      string_field(r, k, where);
    const std::string st = r["status"];
    if (!statuses.count(st)) invalid(where, "has unknown status " + json_excerpt(r["status"]));
    const nlohmann::json& parity = field(r, "parity", where);
    if (!parity.is_null()) {
      if (!parity.is_object()) invalid(where, "'parity' is neither null nor an object");
      positive_number(field(parity, "max_abs", where + " parity"), where, "parity max_abs", true);
      positive_number(field(parity, "tol", where + " parity"), where, "parity tol", true);
      if (!field(parity, "ok", where + " parity").is_boolean()) invalid(where, "parity 'ok' is not true or false");
    }
    if (st != "ok") continue;
    const nlohmann::json& t = field(r, "time_ms", where);
    for (const char* k : {"median", "min", "p10", "p90"}) positive_number(field(t, k, where + " time_ms"), where, k);
    positive_number(field(t, "iqr", where + " time_ms"), where, "iqr", true);
    const nlohmann::json& samples = field(t, "samples", where + " time_ms");
    if (!samples.is_array() || samples.empty()) invalid(where, "time_ms samples is not a non-empty array");
    for (const auto& x : samples) positive_number(x, where, "a timing sample");
    const nlohmann::json& n = field(t, "n", where + " time_ms");
    if (!n.is_number_integer() || n.get<long long>() != (long long)samples.size())
      invalid(where, "time_ms n is not the number of samples");
  }
}

}  // namespace pb
