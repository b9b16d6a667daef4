#include "variants/auto_rule.hpp"

namespace pb {

// CUDA, from the H200 sweeps of issue 16 (results/2026-12-01-h200-design-e/, 16 core cases, and
// results/2026-12-02-h200-auto/, six pipelines x six batches x both input layouts): cuda_separable_mma is the
// fastest design on every downscaling pipeline; on Qwen's patches (near-native sizes: light tiles, many of them)
// its persistent grid wins by 4-7 %. Design E (cuda_separable_wgmma) wins no case yet and is not tried.
std::vector<std::string> auto_designs(Backend backend, const Plan& plan, Layout /*in_layout*/) {
  if (backend == Backend::Cpu) return {"cpu_separable_ring", "cpu_pointwise_fused", "cpu_naive_per_stage"};
  if (plan.layout == DstLayout::QwenPatches)
    return {"cuda_separable_mma_persistent", "cuda_separable_mma", "cuda_separable_ring", "cuda_naive_per_stage"};
  return {"cuda_separable_mma", "cuda_separable_mma_persistent", "cuda_separable_ring", "cuda_naive_per_stage"};
}

}  // namespace pb
