#pragma once
// End to end from pinned host memory, as a training data loader sees it: the uint8 images cross PCIe, then the
// variant runs. Four timings per case, interleaved repetition by repetition (cold L2 each), each one record of the
// results schema with its `measure`: e2e_h2d (the copy alone: this run's PCIe ceiling), e2e_kernel (the variant
// alone), e2e_serial (copy, then the variant, on one stream) and e2e_overlap (the batch in groups whose copies, on a
// copy stream, overlap the previous groups' kernels). The overlapped output is parity-checked against the float64
// reference, and that record carries the parity.
#include <string>

#include <vector>

#include "core/plan.hpp"
#include "harness/case_runner.hpp"
#include "harness/results.hpp"

namespace pb {

// A batch split into G overlapped groups of consecutive images: group g is images [first[g], first[g + 1]), its
// plan plans[g], its output at element out_off[g] of the whole batch's. UsageError when the pipeline's batch output
// is not the concatenation of its images' (batch padding), which no split can reproduce. Defined in e2e_files.cpp,
// which every build compiles (e2e_cuda.cu only the CUDA ones).
struct GroupSplit {
  std::vector<size_t> first;
  std::vector<Plan> plans;
  std::vector<long long> out_off;
  int groups() const { return int(plans.size()); }
};
GroupSplit split_groups(const PipelineSpec& spec, const std::vector<ImageShape>& shapes, Mode mode, int groups,
                        const Plan& full);

struct E2EOptions {
  int groups = 4;  // the overlapped schedule's number of image groups
  int reps = 30;
};

// One case: four records. Throws UsageError when the variant or pipeline cannot run this way (a CPU variant,
// channels last, a graph launch, a batch output that does not split by image). Without CUDA: std::runtime_error.
std::vector<Record> run_e2e(const Case& c, const E2EOptions& o, WorkloadCache& cache, ExecBackend& cuda);

}  // namespace pb
