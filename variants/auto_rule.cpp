#include "variants/auto_rule.hpp"

namespace pb {

namespace {

// Whether some job's window leaves its resized image (LLaVA-NeXT's anyres padding of a non-square image).
bool pads(const Plan& plan) {
  for (const Job& j : plan.jobs)
    if ((long long)(j.yb - j.ya) * (j.xb - j.xa) < (long long)j.h * j.w) return true;
  return false;
}

}  // namespace

// CUDA, from the H200 sweeps of issue 16 (results/2026-12-02-h200-auto/README.md: the 16 core cases, and six
// pipelines x six batches x both input layouts):
// - cuda_separable_mma is the fastest design on every downscaling pipeline without padding (by 10-22 % over its
//   persistent form, 3-130 % over design E);
// - on Qwen's patches (near-native sizes: many light tiles) its persistent grid wins by 1-5 % on all but the
//   smallest batch (uniform-n32-256: 2 % behind), and that is the rule;
// - where the plan pads (LLaVA-NeXT's anyres grid on non-square images), design E (cuda_separable_wgmma, sm_90
//   only) runs in half the time of cuda_separable_mma; where it cannot run, the list goes on.
std::vector<std::string> auto_designs(Backend backend, const Plan& plan, Layout /*in_layout*/) {
  if (backend == Backend::Cpu) return {"cpu_separable_ring", "cpu_pointwise_fused", "cpu_naive_per_stage"};
  if (plan.layout == DstLayout::QwenPatches)
    return {"cuda_separable_mma_persistent", "cuda_separable_mma", "cuda_separable_ring", "cuda_naive_per_stage"};
  if (pads(plan))
    return {"cuda_separable_wgmma", "cuda_separable_mma", "cuda_separable_mma_persistent", "cuda_separable_ring",
            "cuda_naive_per_stage"};
  return {"cuda_separable_mma", "cuda_separable_mma_persistent", "cuda_separable_ring", "cuda_naive_per_stage"};
}

}  // namespace pb
