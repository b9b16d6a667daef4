#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/parity.hpp"
#include "harness/stats.hpp"

namespace pb {

constexpr const char* kResultsSchema = "prepbench.results/1";

// One (variant, pipeline, workload, layout, dtype, mode) measurement, as DESIGN.md's schema names it.
struct Record {
  std::string kind = "variant";
  std::string variant, backend, pipeline, workload, layout, dtype, mode;
  std::string status = "ok";  // ok | unsupported | skipped | failed
  std::string reason;
  std::vector<double> samples_ms;
  long long bytes_moved = 0;
  long long peak_workspace_bytes = 0;
  long long output_bytes = 0;
  bool has_parity = false;
  ParityResult parity;
  std::string repro;
  nlohmann::json extra = nlohmann::json::object();  // backend-specific facts (threads, cold_l2, memory check, ...)
};

// Timing samples as the results schema's time_ms object: the quantiles of stats.hpp plus every sample.
nlohmann::json samples_to_json(const std::vector<double>& samples);
nlohmann::json record_to_json(const Record& r);
nlohmann::json make_results_document(const nlohmann::json& meta, const std::vector<Record>& records);
// Throws std::runtime_error naming what is missing or wrong when `doc` is not a prepbench results document.
void validate_results_document(const nlohmann::json& doc);
// A results file parsed (not yet validated); UsageError when it cannot be read or is not JSON.
nlohmann::json read_results_file(const std::string& path);

}  // namespace pb
