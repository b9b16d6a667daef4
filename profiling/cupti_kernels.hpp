#pragma once
// Per-kernel breakdown of one repetition through the CUPTI activity API: every kernel's name, grid, block,
// registers, shared memory and duration.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace pb {

struct KernelRecord {
  std::string name;
  int grid[3] = {0, 0, 0}, block[3] = {0, 0, 0};
  int registers = 0, static_smem = 0, dynamic_smem = 0;
  uint64_t start_ns = 0, end_ns = 0;
  double ms() const { return double(end_ns - start_ns) * 1e-6; }
};

// Runs fn twice with kernel activity recording on (off again afterwards, so timed repetitions are untouched) and
// returns the kernels of the second run, in start order: the first run absorbs CUPTI's start-up (lazy
// instrumentation makes the first traced launches milliseconds slow). Throws std::runtime_error when CUPTI fails.
std::vector<KernelRecord> trace_kernels(const std::function<void()>& fn);
bool cupti_available(std::string& why);

// {"kernels": [...], "kernels_sum_ms", "kernels_span_ms"}: the span runs from the first start to the last end, so
// span - sum is the time the GPU sat idle between kernels (launch gaps).
nlohmann::json kernels_json(const std::vector<KernelRecord>& k);
std::string kernel_table(const std::vector<KernelRecord>& k);

}  // namespace pb
