#include "variants/auto_rule.hpp"

namespace pb {

// CUDA, from the H200 sweeps of issue 16 (results/2026-12-02-h200-auto/README.md: the 16 core cases; six pipelines
// x six batches x both input layouts; LLaVA-NeXT and InternVL on five more; results/2026-12-02-h200-strip/):
// - cuda_separable_mma_strip, where the batch has tiles for strips of 3-4 row tiles (SigLIP's batches of 16 and
//   32, every Qwen batch measured), is 3-10 % faster than cuda_separable_mma and its persistent form; on smaller
//   plans it runs cuda_separable_mma's kernel itself (one tile per block), the fastest design there, by 10-22 %
//   over the persistent form and 3-130 % over design E (cuda_separable_wgmma);
// - on Qwen's patches the persistent grid beat one tile per block by 1-5 % on all but the smallest batch; the
//   strip design takes every Qwen batch measured here, so only a small Qwen plan pays that (it runs one tile per
//   block), and a plan the strip design refuses (shared memory) goes to the persistent grid next.
// A design that refuses a plan (shared memory, filter) throws std::invalid_argument in setup and the next one runs.
// The rule reads no property of the plan today: the strip design decides its own fallback from it.
std::vector<std::string> auto_designs(Backend backend, const Plan& /*plan*/) {
  if (backend == Backend::Cpu) return {"cpu_separable_ring", "cpu_pointwise_fused", "cpu_naive_per_stage"};
  return {"cuda_separable_mma_strip", "cuda_separable_mma_persistent", "cuda_separable_ring", "cuda_naive_per_stage"};
}

}  // namespace pb
