#pragma once
// Staging of source rows into shared memory as fp16: aligned word loads, realigned and widened, one chunk (16 rows)
// at a time.
#include "variants/cuda/mma/ptx.cuh"

namespace pb::cuda::mma {

// One staging item: kItemCols columns of one source row, three channels, as raw bytes (v[c][0] = columns 0-3).
struct Item {
  uint32_t v[3][kItemWords];
};

// Source columns beyond the row end may be staged with whatever bytes follow in memory: their weights are 0, and
// any uint8 is a finite fp16. Only rows below the image (zeros) and the image's own bounds need care: a warp with an
// item whose aligned words would leave the image takes the byte-wise path (a warp-uniform branch, so that the
// compiler cannot if-convert both paths into every item).
__device__ __forceinline__ Item fetch_item(const DevJob& j, int r, int col, bool chw) {
  Item it = {};
  const size_t plane = size_t(j.src_h) * j.src_w;
  const uintptr_t lo = reinterpret_cast<uintptr_t>(j.src), hi = lo + 3 * plane;
  const uintptr_t a = chw ? lo + size_t(r) * j.src_w + col : lo + (size_t(r) * j.src_w + col) * 3;
  const uintptr_t last = chw ? ((a + 2 * plane) & ~uintptr_t(3)) + 4 * (kItemWords + 1)
                             : (a & ~uintptr_t(3)) + 4 * (3 * kItemWords + 1);
  const bool below = r >= j.src_h;
  if (__all_sync(__activemask(), below || ((a & ~uintptr_t(3)) >= lo && last <= hi))) {
    if (below) return it;
    if (chw) {
#pragma unroll
      for (int c = 0; c < 3; ++c) realigned_words<kItemWords>(a + c * plane, it.v[c]);
    } else {
      uint32_t w[3 * kItemWords];  // pixels col..col+kItemCols-1, RGB interleaved
      realigned_words<3 * kItemWords>(a, w);
#pragma unroll
      for (int c = 0; c < 3; ++c)
#pragma unroll
        for (int k = 0; k < kItemWords; ++k) it.v[c][k] = gather_channel(w + 3 * k, c);
    }
  } else if (!below) {
    for (int k = 0; k < kItemCols && col + k < j.src_w; ++k)
      for (int c = 0; c < 3; ++c) {
        const size_t px = size_t(r) * j.src_w + col + k;
        const uint8_t b = chw ? j.src[c * plane + px] : j.src[px * 3 + c];
        it.v[c][k >> 2] |= uint32_t(b) << (8 * (k & 3));
      }
  }
  return it;
}

__device__ __forceinline__ void put_item(__half* stage, int sstride, int rr, int q, const Item& it) {
#pragma unroll
  for (int c = 0; c < 3; ++c)
#pragma unroll
    for (int h = 0; h < kItemWords / 2; ++h) {
      const uint2 a = widen4(it.v[c][2 * h]), b = widen4(it.v[c][2 * h + 1]);
      *reinterpret_cast<uint4*>(stage + (c * kChunk + rr) * sstride + kItemCols * q + 8 * h) =
          make_uint4(a.x, a.y, b.x, b.y);
    }
}

// Staging of one chunk (source rows r0 + 16 ci + [0, 16), columns [cb, cb + nc)) into stage[c][row][col] (row
// stride sstride halves, which holds nc rounded up to whole items), kItemCols columns per item; items tid,
// tid + kThreads, ... The first kPrefetch items of each thread (16 columns' worth) can be fetched ahead, into
// registers, while the previous chunk is resampled.

struct ChunkItems {
  int qpr, items;
  float inv;
  __device__ explicit ChunkItems(int nc)
      : qpr((nc + kItemCols - 1) / kItemCols), items(kChunk * qpr), inv(1.0f / float(qpr)) {}
  __device__ explicit ChunkItems(const MmaTile& tl) : ChunkItems(tl.nc) {}
  __device__ void coords(int it, int& rr, int& q) const {
    rr = __float2int_rz((float(it) + 0.5f) * inv);  // exact for these sizes
    q = it - rr * qpr;
  }
};

// Items first, first + kThreads, ... of chunk ci of a tile (tl.r0, tl.cb: its first source row and staged column),
// each handed to put(rr, q, item): the mma designs widen them to fp16 (put_item), design F (variants/cuda/imma/)
// stores them as raw bytes.
template <typename Tile, typename Put>
__device__ inline void stage_items_by(Put&& put, const DevJob& j, const Tile& tl, const ChunkItems& ch, int ci,
                                      int first, bool chw) {
  for (int it = first; it < ch.items; it += kThreads) {
    int rr, q;
    ch.coords(it, rr, q);
    put(rr, q, fetch_item(j, tl.r0 + kChunk * ci + rr, tl.cb + kItemCols * q, chw));
  }
}

__device__ inline void stage_items(__half* stage, int sstride, const DevJob& j, const MmaTile& tl, const ChunkItems& ch,
                            int ci, int first, bool chw) {
  stage_items_by([&](int rr, int q, const Item& it) { put_item(stage, sstride, rr, q, it); }, j, tl, ch, ci, first,
                 chw);
}

// f(k, row, item) for this thread's first kPrefetch items of a chunk (the ones fetched ahead into registers).
template <typename F>
__device__ __forceinline__ void each_prefetched(const ChunkItems& ch, F&& f) {
#pragma unroll
  for (int k = 0; k < kPrefetch; ++k) {
    const int it = threadIdx.x + k * kThreads;
    if (it < ch.items) {
      int rr, q;
      ch.coords(it, rr, q);
      f(k, rr, q);
    }
  }
}

// Fetch this thread's first kPrefetch items of chunk ci into registers (ahead of this chunk's passes); any tile
// with the first source row r0 and staged column cb (MmaTile, design F's ITile).
template <typename Tile>
__device__ __forceinline__ void prefetch_chunk(Item (&pre)[kPrefetch], const DevJob& j, const Tile& tl,
                                               const ChunkItems& ch, int ci, bool chw) {
  each_prefetched(ch, [&](int k, int rr, int q) {
    pre[k] = fetch_item(j, tl.r0 + kChunk * ci + rr, tl.cb + kItemCols * q, chw);
  });
}

}  // namespace pb::cuda::mma
