#include "variants/auto_rule.hpp"

namespace pb {

// CUDA, from the H200 sweeps of issue 16 (results/2026-12-02-h200-auto/README.md: the 16 core cases; six pipelines
// x six batches x both input layouts; LLaVA-NeXT and InternVL on five more):
// - cuda_separable_mma is the fastest design on every downscaling pipeline, by 10-22 % over its persistent form
//   and 3-130 % over design E (cuda_separable_wgmma);
// - on Qwen's patches (near-native sizes: many light tiles) its persistent grid wins by 1-5 % on all but the
//   smallest batch (uniform-n32-256: 2 % behind), and that is the rule.
// A design that refuses a plan (shared memory, filter) throws std::invalid_argument in setup and the next one runs.
std::vector<std::string> auto_designs(Backend backend, const Plan& plan) {
  if (backend == Backend::Cpu) return {"cpu_separable_ring", "cpu_pointwise_fused", "cpu_naive_per_stage"};
  if (plan.layout == DstLayout::QwenPatches)
    return {"cuda_separable_mma_persistent", "cuda_separable_mma", "cuda_separable_ring", "cuda_naive_per_stage"};
  return {"cuda_separable_mma", "cuda_separable_mma_persistent", "cuda_separable_ring", "cuda_naive_per_stage"};
}

}  // namespace pb
