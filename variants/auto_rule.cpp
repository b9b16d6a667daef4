#include "variants/auto_rule.hpp"

namespace pb {

namespace {

// Source rows the plan's vertical passes read per output row, weighted by output rows: the downscale a tile's chunk
// loop pays for (ragged-n32-384-1024: SigLIP 1.8, CLIP 2.8, DINOv2 2.4, Qwen 1.0; ragged-n16-256-2048: 3.0, 4.6,
// 4.0, 1.0; large-n4-3000-4096: 8.8, 15.0, 13.3, 1.0).
double source_rows_per_output_row(const Plan& plan) {
  long long src = 0, out = 0;
  for (const Job& j : plan.jobs) {
    src += j.r1 - j.r0;
    out += j.h;
  }
  return out > 0 ? double(src) / double(out) : 0.0;
}

}  // namespace

// CUDA, from the H200 sweeps of issue 16 (results/2026-12-02-h200-auto/README.md: the 16 core cases; six pipelines
// x six batches x both input layouts; LLaVA-NeXT and InternVL on five more; results/2026-12-02-h200-strip/;
// results/2026-12-02-h200-async/):
// - cuda_separable_mma_async (the strip design fed by asynchronous copies several chunks ahead) on the strong
//   downscales (large-n4-3000-4096: 8.8-15 source rows per output row), 1.2-1.6x faster than the strip design,
//   which gets no strips there; elsewhere 0.90-1.14x of the strip design (results/2026-12-03-h200-tight/: faster on
//   SigLIP's and CLIP's ragged batches, slower on CLIP's and DINOv2's uniform ones and at 4.0-4.6 rows per row on
//   ragged-n16-256-2048; no threshold on rows per row separates these), so the rule keeps the strip design there.
//   Qwen's patches went to it until session 9, when the strip design's bounds-free epilogue made the strip design
//   7-9 % faster on all four Qwen batches (results/2026-12-03-h200-tight/s3_auto.txt);
// - cuda_separable_mma_strip, where the batch has tiles for strips of 3-4 row tiles (SigLIP's batches of 16 and
//   32, every Qwen batch measured), is 3-10 % faster than cuda_separable_mma and its persistent form; on smaller
//   plans it runs cuda_separable_mma's kernel itself (one tile per block), the fastest design there, by 10-22 %
//   over the persistent form and 3-130 % over design E (cuda_separable_wgmma);
// - on Qwen's patches the persistent grid beat one tile per block by 1-5 % on all but the smallest batch; the
//   strip design takes every Qwen batch measured here, so only a small Qwen plan pays that (it runs one tile per
//   block), and a plan the strip design refuses (shared memory) goes to the persistent grid next.
// A design that refuses a plan (shared memory, filter) throws std::invalid_argument in setup and the next one runs.
std::vector<std::string> auto_designs(Backend backend, const Plan& plan) {
  if (backend == Backend::Cpu) return {"cpu_separable_ring", "cpu_pointwise_fused", "cpu_naive_per_stage"};
  std::vector<std::string> v = {"cuda_separable_mma_strip", "cuda_separable_mma_persistent", "cuda_separable_ring",
                                "cuda_naive_per_stage"};
  if (source_rows_per_output_row(plan) >= kAsyncFromRowsPerRow)
    v.insert(v.begin(), "cuda_separable_mma_async");
  return v;
}

}  // namespace pb
