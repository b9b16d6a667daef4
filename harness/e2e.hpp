#pragma once
// End to end from pinned host memory, as a training data loader sees it: the uint8 images cross PCIe, then the
// variant runs. Four timings per case, interleaved repetition by repetition (cold L2 each): the H2D copy alone
// (this run's PCIe ceiling), the kernel alone, copy-then-kernel on one stream, and the batch split into groups whose
// copies (copy stream) overlap the previous groups' kernels (compute stream). The overlapped output is
// parity-checked against the float64 reference.
#include <string>

#include <nlohmann/json.hpp>

#include "harness/case_runner.hpp"

namespace pb {

struct E2EOptions {
  int groups = 4;  // the overlapped schedule's number of image groups
  int reps = 30;
};

// One case; throws UsageError when the variant or pipeline cannot run this way. Without CUDA: std::runtime_error.
nlohmann::json run_e2e(const Case& c, const E2EOptions& o, WorkloadCache& cache, ExecBackend& cuda);

}  // namespace pb
