#include "variants/auto_rule.hpp"

#include <algorithm>

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

int ceil_div(int a, int b) { return (a + b - 1) / b; }

// The resized coordinates [a, b) of window coordinates [w0, w0 + n) of a window at offset `off`, `len` wide, over a
// table of `out` outputs (empty when none is inside the resized image).
Span window_inputs(const WeightTable& t, int off, int len, int w0, int n) {
  const int a = std::max(off + w0, 0), b = std::min({off + w0 + n, off + len, t.out});
  return a < b ? t.span(a, b) : Span{};
}

}  // namespace

int plan_max_taps(const Plan& plan) {
  int taps = 0;
  for (const Job& j : plan.jobs)
    if (j.ya < j.yb && j.xa < j.xb) taps = std::max({taps, plan.htable(j).max_count(), plan.vtable(j).max_count()});
  return taps;
}

ImmaLoad imma_load(const Plan& plan) {
  ImmaLoad L;
  for (const Job& j : plan.jobs) {
    const WeightTable& th = plan.htable(j);
    const WeightTable& tv = plan.vtable(j);
    int nks = 1;
    for (int x = 0; x < j.w; x += 16) {
      const Span s = window_inputs(th, j.x0, j.w, x, 16);
      if (s.n > 0) nks = std::max(nks, ceil_div(s.lo + s.n - s.lo / 4 * 4, 32));
    }
    const long long col_tiles = ceil_div(j.w, 64);
    for (int y = 0; y < j.h; y += 32) {
      const long long cost = (long long)std::max(1, ceil_div(window_inputs(tv, j.y0, j.h, y, 32).n, 16)) * nks;
      L.tiles += col_tiles;
      L.total += col_tiles * cost;
      L.heaviest = std::max(L.heaviest, cost);
    }
  }
  return L;
}

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
// - cuda_separable_imma (design F, results/2026-12-03-h200-design-f/s3_t24.txt: six pipelines x the four core
//   batches) is 0.73-0.97x the time of the better of strip and async on SigLIP's, InternVL's and LLaVA-NeXT's
//   batches and on CLIP's and DINOv2's uniform ones, 1.00-1.03x on CLIP's and DINOv2's ragged-n32 batches, and
//   1.1-2.2x where its tiles, four times the outputs of the strip designs', are too few for the GPU: CLIP's and
//   DINOv2's large-n4 and ragged-n16 (0.25-0.44 waves of the heaviest tile) and LLaVA-NeXT's large-n4 (1.23);
//   1.7-2.0x on Qwen's patches (its epilogue stores one value at a time). So it goes first from kImmaFromWaves
//   waves (imma_load). After session 12's staging steps (results/2026-12-03-h200-f5/) F is also the fastest on CLIP's
//   and DINOv2's ragged-n32 (0.94-0.96x; 1.07-1.16 waves), SigLIP's large-n4 (0.91x, 0.65 waves) and LLaVA-NeXT's
//   and InternVL's small plans (s5_small.txt: 0.65-0.87x of the strip design at 0.68-1.39 waves), so the threshold
//   fell from 1.3 to 0.6 waves, inside the gap between those wins and the losses (0.25-0.44 waves): this costs
//   LLaVA-NeXT's large-n4 (1.23 waves, F 1.06x of async).
// - cuda_separable_fewtap (design G, results/2026-12-04-h200-fewtap/): on Qwen's patches, whose near-identity
//   resizes read 4-5 source pixels per axis, the CUDA cores with the patch rows written whole are 0.66-0.67x of the
//   strip design's time on all four Qwen batches (then 0.89-0.96x of that with the word staging); elsewhere (6-16
//   taps) 1.9-9x slower than F, so the rule names it on Qwen's patches only.
// A design that refuses a plan (shared memory, filter) throws std::invalid_argument in setup and the next one runs.
std::vector<std::string> auto_designs(Backend backend, const Plan& plan) {
  if (backend == Backend::Cpu) return {"cpu_separable_ring", "cpu_pointwise_fused", "cpu_naive_per_stage"};
  std::vector<std::string> v = {"cuda_separable_mma_strip", "cuda_separable_mma_persistent", "cuda_separable_ring",
                                "cuda_naive_per_stage"};
  if (source_rows_per_output_row(plan) >= kAsyncFromRowsPerRow)
    v.insert(v.begin(), "cuda_separable_mma_async");
  if (plan.layout == DstLayout::QwenPatches && plan_max_taps(plan) <= kFewTapMaxTaps)
    v.insert(v.begin(), "cuda_separable_fewtap");
  if (plan.layout != DstLayout::QwenPatches) {
    const ImmaLoad L = imma_load(plan);
    if (double(L.total) >= kImmaFromWaves * kImmaSlots * double(L.heaviest)) v.insert(v.begin(), "cuda_separable_imma");
  }
  return v;
}

}  // namespace pb
