#pragma once
// The measurement strategies, side by side. Each times a bound launch (a variant after setup) and returns what
// the results schema records; the runner and the commands choose among them:
//   timed_reps      the backend's clock per repetition: CUDA events on the GPU (cold L2 by default: twice the L2
//                   rewritten before each repetition, outside the timed region), a steady clock on the CPU; a
//                   launch wrapped by ExecBackend::capture makes each repetition one CUDA-graph replay
//   traced_rep      one more repetition under CUPTI: every kernel's duration, grid, registers, shared memory
//   e2e (harness/e2e.hpp)  from pinned host memory: copy alone, kernel alone, serial, overlapped
#include <atomic>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/exec_backend.hpp"

namespace pb {

struct TimingOptions {
  bool cold_l2 = true;
  double inject_delay_us = 0;  // debug: a deliberate slowdown inside the timed region (for testing the gate)
  const std::atomic<bool>* stop = nullptr;  // checked before each repetition: an interrupt ends the loop early
};

// `reps` timed repetitions in milliseconds (fewer when *stop became true).
std::vector<double> timed_reps(ExecBackend& be, const Launch& launch, int reps, const TimingOptions& o);

// GPU: {"kernels": [...], "profile": {kernels_sum_ms, kernels_span_ms, kernel_count, event_ms, launch_gap_ms}}
// of one repetition, and its table as text in *table.
nlohmann::json traced_rep(ExecBackend& be, const Launch& launch, const TimingOptions& o, std::string* table);

}  // namespace pb
