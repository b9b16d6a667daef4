#pragma once
// A prepbench results document as Google Benchmark's JSON output, so that google/benchmark's tools/compare.py (and
// anything else that reads that format) can compare two runs: one benchmark entry per timing sample, as the
// repetitions of one benchmark per measured case.
#include <nlohmann/json.hpp>

namespace pb {

// `results` must be a valid prepbench results document. Records without timing samples (skipped, unsupported,
// failed) have no entry; their count is in context.prepbench_records_without_samples.
nlohmann::json gbench_document(const nlohmann::json& results);

}  // namespace pb
