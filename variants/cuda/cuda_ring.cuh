#pragma once
// Shared by the strip-and-ring designs (cuda_separable_ring, cuda_separable_staged): a block owns a 32-column strip
// of one job's window and walks down it 8 output rows per step, keeping the horizontally resampled source rows in
// a shared-memory ring. The strip table, the ring's size and the vertical step live here; the variants differ in
// how they fill the ring.
#include <vector>

#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda::ring {

constexpr int kCols = 32, kRowsPerStep = 8, kThreads = kCols * kRowsPerStep;

struct Strip {
  int job, x0, y0, y1;  // window columns [x0, x0 + 32) and rows [y0, y1)
  int c0, nc;           // source columns the strip's horizontal taps read
};

struct StripPlan {
  std::vector<Strip> strips;
  int ring_rows = 1;  // the widest span of source rows 8 consecutive output rows read: what the ring must hold
  int max_nc = 1;
};

// Strips run 64 output rows, 16 when the vertical scale exceeds 3 (parallelism on strong downscales).
inline StripPlan plan_strips(const DevPlan& d) {
  StripPlan p;
  for (size_t i = 0; i < d.host_jobs.size(); ++i) {
    const DevJob& j = d.host_jobs[i];
    const int chunk = double(j.src_h) / j.rh > 3.0 ? 16 : 64;
    // row chunks outer, strips inner: neighbouring blocks share source rows (measured faster on 10x downscales)
    for (int y = 0; y < j.h; y += chunk)
      for (int x = 0; x < j.w; x += kCols) {
        const Span cols = d.source_cols(i, std::max(j.x0 + x, 0), std::min(j.x0 + x + kCols, j.rw));
        p.max_nc = std::max(p.max_nc, cols.n);
        p.strips.push_back({int(i), x, y, std::min(j.h, y + chunk), cols.lo, cols.n});
      }
    const int ya = std::max(0, j.y0), yb = std::min(j.rh, j.y0 + j.h);
    for (int y = ya; y < yb; ++y)
      p.ring_rows = std::max(p.ring_rows, d.source_rows(i, y, std::min(yb, y + kRowsPerStep)).n);
  }
  return p;
}

// Output row y (window), column x of a step: vertical taps over the ring, epilogue, final layout; the job's pad
// outside the image.
template <typename T>
__device__ __forceinline__ void vertical_step(T* out, const DevLayout& L, const DevJob& j, const DevTables& t,
                                              const Epilogue& e, const float* ring, int ring_rows, int tx, int y,
                                              int x, bool col_ok) {
  const int ry = j.y0 + y;
  if (ry < 0 || ry >= j.rh || !col_ok) {
    for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, j.pad[c]);
    return;
  }
  const int ev = j.v_entry + ry, vn = t.count[ev];
  const float* wv = t.w + t.wofs[ev];
  int slot = t.start[ev] % ring_rows;
  float acc[3] = {0.0f, 0.0f, 0.0f};
  for (int a = 0; a < vn; ++a) {
    const float* row = ring + slot * (3 * kCols) + tx;
    for (int c = 0; c < 3; ++c) acc[c] = fmaf(wv[a], row[c * kCols], acc[c]);
    slot = slot + 1 == ring_rows ? 0 : slot + 1;
  }
  for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, epilogue_value(e, acc[c], c));
}

}  // namespace pb::cuda::ring
