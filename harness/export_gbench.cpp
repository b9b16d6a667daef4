#include "harness/export_gbench.hpp"

#include <string>

#include "harness/case.hpp"

namespace pb {

namespace {

std::string text(const nlohmann::json& o, const char* key, const std::string& fallback) {
  return o.contains(key) && o[key].is_string() ? o[key].get<std::string>() : fallback;
}

}  // namespace

nlohmann::json gbench_document(const nlohmann::json& results) {
  const nlohmann::json& meta = results["meta"];
  const nlohmann::json cpu = meta.contains("cpu") && meta["cpu"].is_object() ? meta["cpu"] : nlohmann::json::object();
  const std::string commit = text(meta, "commit", "unknown");
  nlohmann::json context = {
      {"date", text(meta, "date", "")},
      {"host_name", text(meta, "host", "")},
      {"executable", "prepbench"},
      {"num_cpus", cpu.value("hardware_threads", meta.value("cpu_count", 0))},
      {"mhz_per_cpu", 0},
      {"cpu_scaling_enabled", false},
      {"caches", nlohmann::json::array()},
      {"load_avg", nlohmann::json::array()},
      {"library_build_type", "release"},
      {"library_version", "prepbench " + commit.substr(0, 12) + (meta.value("dirty", false) ? "+dirty" : "")},
      {"prepbench_gpu", meta.contains("gpu") ? meta["gpu"] : nlohmann::json(nullptr)},
      {"prepbench_command", text(meta, "command", "")}};
  nlohmann::json benchmarks = nlohmann::json::array();
  int family = 0, without = 0;
  for (const auto& r : results["records"]) {
    if (!r.contains("time_ms") || !r["time_ms"].is_object() || r["time_ms"]["samples"].empty()) {
      ++without;
      continue;
    }
    const std::string name = record_key(r);
    const auto& samples = r["time_ms"]["samples"];
    for (size_t i = 0; i < samples.size(); ++i)
      benchmarks.push_back({{"name", name},
                            {"family_index", family},
                            {"per_family_instance_index", 0},
                            {"run_name", name},
                            {"run_type", "iteration"},
                            {"repetitions", samples.size()},
                            {"repetition_index", i},
                            {"threads", 1},
                            {"iterations", 1},
                            {"real_time", samples[i]},
                            {"cpu_time", samples[i]},
                            {"time_unit", "ms"}});
    ++family;
  }
  context["prepbench_records_without_samples"] = without;
  return {{"context", context}, {"benchmarks", benchmarks}};
}

}  // namespace pb
