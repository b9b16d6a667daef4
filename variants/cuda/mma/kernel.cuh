#pragma once
// Separable resize on the tensor cores, shared by the cuda_separable_mma designs. Both passes are small dense
// products with banded weight matrices (mma.sync m16n8k16, fp16 operands, fp32 accumulate), one launch for the ragged
// batch; a block works on one output tile of one job at a time (kTileW columns x kTileH rows, 32 x 16), streaming
// the tile's source rows in chunks of 16:
//   1. each chunk (three channels) is read as aligned 4-byte words and widened to fp16 in shared memory (uint8 is
//      exact in fp16), double-buffered: the next chunk is staged while this one is resampled;
//   2. horizontal pass: chunk rows x weights. Warp w owns output columns [8w, 8w + 8); its weights are dense,
//      zero-padded fragments built in setup and split into fp16 hi + lo (~22 significant bits): 2 MMAs per k-step;
//   3. the chunk's intermediate (16 rows) stays on chip as fp16 hi + lo planes, private to the warp;
//   4. vertical pass: each chunk is one k-step of the vertical product, accumulated in registers across chunks:
//      weights (hi, lo) x intermediate (hi, lo), 3 MMAs (lo x lo is below fp32 rounding);
//   5. the epilogue (hf: a 256-entry table per channel, bit-equal to HF's float32 arithmetic) and the final layout
//      straight from the accumulator fragments.
// The error budget (~2^-22 relative in weights and intermediate) and every measured step: docs/design-log.md.
// The designs differ on three ablation axes: where the weight fragments come from (tables built in
// setup, or computed on the fly from the job geometry), the order of the tile table (raster, or heaviest job
// first), and how tiles reach blocks (one block per tile, or a persistent grid that takes them from a counter).
// Each output layout has its own kernel instantiation (with_layout).
#include "variants/cuda/mma/staging.cuh"
#include "variants/cuda/mma/stores.cuh"
#include "variants/cuda/mma/weights_otf.cuh"

namespace pb::cuda::mma {

// The pieces of one chunk's work, shared by the one-tile loop and the strip loop below.

// Stage chunk ci into dst: the prefetched items, then the rest.
__device__ __forceinline__ void stage_chunk(__half* dst, int sstride, const Item (&pre)[kPrefetch], const DevJob& j,
                                            const MmaTile& tl, const ChunkItems& ch, int ci, bool chw) {
  each_prefetched(ch, [&](int k, int rr, int q) { put_item(dst, sstride, rr, q, pre[k]); });
  stage_items(dst, sstride, j, tl, ch, ci, threadIdx.x + kPrefetch * kThreads, chw);
}

// Horizontal pass of the staged chunk for this warp's 8 columns (b: its B fragment of each k-step), written as the
// intermediate's fp16 hi + lo planes (rows g, g + 8 of the chunk, columns 8 warp + 2t, + 1), then a warp barrier:
// the warp reads back only its own 8 columns. kAhead: each k-step's fragment is requested before the previous
// k-step's MMAs (ncu: the strip kernel's HMMAs waited on their fragment's load for 19 % of its long-scoreboard
// stalls); PB_MMA_B_AHEAD=1 builds the other designs that way, the ablation of it.
#ifndef PB_MMA_B_AHEAD
#define PB_MMA_B_AHEAD 0
#endif
template <bool kAhead = bool(PB_MMA_B_AHEAD), typename BFrag>
__device__ __forceinline__ void horizontal_chunk(const SmemLayout& S, const __half* stage, int sstride, int kb,
                                                 int n_kh, BFrag&& bfrag) {
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const int lrow = (lane & 7) + ((lane >> 3) & 1) * 8, lhalf = lane >> 4;  // ldmatrix: lanes 8i.. address matrix i
  float h[3][4] = {};
  uint4 ahead = kAhead ? bfrag(0) : uint4{};
  for (int ks = 0; ks < n_kh; ++ks) {
    uint4 b;  // hi b0, hi b1, lo b0, lo b1
    if constexpr (kAhead) {
      b = ahead;
      if (ks + 1 < n_kh) ahead = bfrag(ks + 1);
    } else {
      b = bfrag(ks);
    }
#pragma unroll
    for (int c = 0; c < 3; ++c) {
      uint32_t a[4];
      ldsm_x4(a, stage + (c * kChunk + lrow) * sstride + kb + ks * 16 + lhalf * 8);
      mma16816(h[c], a, b.x, b.y);
      mma16816(h[c], a, b.z, b.w);
    }
  }
#pragma unroll
  for (int c = 0; c < 3; ++c)
#pragma unroll
    for (int hh = 0; hh < 2; ++hh) {
      const uint2 s = split2(h[c][2 * hh], h[c][2 * hh + 1]);
      const int at = (c * kChunk + g + 8 * hh) * kHStride + 8 * warp + 2 * t;
      *reinterpret_cast<uint32_t*>(S.hhi + at) = s.x;
      *reinterpret_cast<uint32_t*>(S.hlo + at) = s.y;
    }
  __syncwarp();
}

// One vertical k-step of one 16-row tile: its weights (hi, lo) x the chunk's intermediate (hi, lo), three channels.
__device__ __forceinline__ void vertical_step(const SmemLayout& S, const uint32_t (&a_hi)[4], const uint32_t (&a_lo)[4],
                                              float (&acc)[3][4]) {
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int lrow = (lane & 7) + ((lane >> 3) & 1) * 8, lhalf = lane >> 4;
#pragma unroll
  for (int c = 0; c < 3; ++c) {
    // matrices: hi rows 0-7, hi rows 8-15, lo rows 0-7, lo rows 8-15 of the chunk (this warp's 8 columns)
    uint32_t b[4];
    ldsm_x4_trans(b, (lhalf ? S.hlo : S.hhi) + (c * kChunk + lrow) * kHStride + 8 * warp);
    mma16816(acc[c], a_hi, b[0], b[1]);
    mma16816(acc[c], a_hi, b[2], b[3]);
    mma16816(acc[c], a_lo, b[0], b[1]);
  }
}

// Vertical weight fragments of row tile rt at chunk ci, from the setup tables.
__device__ __forceinline__ void vertical_frag(const MmaArgs& A, const RowTile& rt, int ci, uint32_t (&a_hi)[4],
                                              uint32_t (&a_lo)[4]) {
  const uint4* af = A.vfrag + rt.frag0 + (size_t(ci - rt.ks_lo) * 32 + threadIdx.x % 32) * 2;
  const uint4 ah = __ldg(af), al = __ldg(af + 1);
  a_hi[0] = ah.x, a_hi[1] = ah.y, a_hi[2] = ah.z, a_hi[3] = ah.w;
  a_lo[0] = al.x, a_lo[1] = al.y, a_lo[2] = al.z, a_lo[3] = al.w;
}

// One output tile: stream its source chunks through both passes, then the epilogue.
template <bool kOtf, DstLayout kLayout, typename T>
__device__ __forceinline__ void resample_tile(const MmaArgs& A, const SmemLayout& S, bool chw, int sstride, int tile,
                                              T* __restrict__ out) {
  const MmaTile tl = A.tiles[tile];
  const DevJob j = A.jobs[tl.job];
  const MmaJob mj = A.mjobs[tl.job];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const int nloc = tl.x / 8 + warp;  // this warp's 8-column tile within the job
  const bool active = tl.x + 8 * warp < j.w;
  const int kb = active ? A.hcol0[mj.ntile0 + nloc] - tl.cb : 0;  // staged column of its k = 0
  const uint4* bfr = kOtf ? nullptr : A.hfrag + mj.hfrag0 + size_t(nloc) * mj.n_kh * 32 + lane;
  RowTile rt[kRowTiles];
  for (int m = 0; m < kRowTiles; ++m) rt[m] = A.rtiles[tl.rtile0 + m];
  // on the fly: the taps of this lane's output column (B fragments: column g) and rows (A fragments: g, g + 8)
  AxisTaps ht, vt[kRowTiles][2];
  if constexpr (kOtf) {
    const int x = tl.x + 8 * warp + g;
    ht = axis_taps(j.src_w, j.rw, active && x < j.w ? j.x0 + x : -1, A.cubic, A.support1);
    for (int m = 0; m < kRowTiles; ++m)
      for (int hh = 0; hh < 2; ++hh) {
        const int y = tl.y + 16 * m + g + 8 * hh;
        vt[m][hh] = axis_taps(j.src_h, j.rh, y < j.h ? j.y0 + y : -1, A.cubic, A.support1);
      }
  }

  const ChunkItems ch(tl);
  stage_items(S.stage0, sstride, j, tl, ch, 0, threadIdx.x, chw);
  __syncthreads();

  float acc[kRowTiles][3][4] = {};
  for (int ci = 0; ci < tl.chunks; ++ci) {
    const bool next = ci + 1 < tl.chunks;
    Item pre[kPrefetch];
    if (next) prefetch_chunk(pre, j, tl, ch, ci + 1, chw);
    if (active) {
      horizontal_chunk(S, S.stage0 + (ci & 1) * S.stage_halves, sstride, kb, mj.n_kh, [&](int ks) {
        if constexpr (kOtf) {
          const int k = tl.cb + kb + ks * 16 + 2 * t;  // B rows (source columns) k, k + 1 and k + 8, k + 9
          const uint2 b0 = split2(tap_weight(ht, k, A.cubic), tap_weight(ht, k + 1, A.cubic));
          const uint2 b1 = split2(tap_weight(ht, k + 8, A.cubic), tap_weight(ht, k + 9, A.cubic));
          return make_uint4(b0.x, b1.x, b0.y, b1.y);
        } else {
          return __ldg(bfr + ks * 32);
        }
      });
#pragma unroll
      for (int m = 0; m < kRowTiles; ++m) {
        if (ci < rt[m].ks_lo || ci >= rt[m].ks_hi) continue;
        uint32_t a_hi[4], a_lo[4];
        if constexpr (kOtf) {
          // A rows g, g + 8 (output rows), columns (source rows) k, k + 1 and k + 8, k + 9
          const int k = tl.r0 + kChunk * ci + 2 * t;
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const AxisTaps& r = vt[m][q & 1];
            const int kq = k + 8 * (q >> 1);
            const uint2 s = split2(tap_weight(r, kq, A.cubic), tap_weight(r, kq + 1, A.cubic));
            a_hi[q] = s.x;
            a_lo[q] = s.y;
          }
        } else {
          vertical_frag(A, rt[m], ci, a_hi, a_lo);
        }
        vertical_step(S, a_hi, a_lo, acc[m]);
      }
      __syncwarp();  // the next chunk's horizontal pass overwrites this warp's intermediate
    }
    if (next) stage_chunk(S.stage0 + ((ci + 1) & 1) * S.stage_halves, sstride, pre, j, tl, ch, ci + 1, chw);
    __syncthreads();  // the next iteration stages into the buffer this one read
  }
  if (active) store_tile<kLayout>(A, S.lut, j, tl, tl.y, acc, out);
}

// The open row tiles of a strip (cuda_separable_mma_strip, _async): tl.nrt 16-row tiles of one column tile enter and
// close in order (the host guarantees monotone chunk ranges and at most kStripOpen row tiles per chunk); slot 0 holds
// the oldest open one, row tile base + s is in slot s. A closed tile is stored at once, its slot taken by the next.
struct StripSlots {
  int base = 0;
  RowTile rt[kStripOpen];
  float acc[kStripOpen][1][3][4] = {};
  // row tile m of the strip, or past its end one that no chunk feeds and that never closes
  __device__ static RowTile tile(const MmaArgs& A, const MmaTile& tl, int m) {
    return m < tl.nrt ? A.rtiles[tl.rtile0 + m] : RowTile{0, 1 << 30, 0};
  }
  __device__ StripSlots(const MmaArgs& A, const MmaTile& tl) {
#pragma unroll
    for (int s = 0; s < kStripOpen; ++s) rt[s] = tile(A, tl, s);
  }
  __device__ bool feeds(int s, int ci) const { return ci >= rt[s].ks_lo && ci < rt[s].ks_hi; }
  // store and close the row tiles chunk ci finished (in order), each slot taken by the next row tile
  template <DstLayout kLayout, bool kSplit = true, typename T>
  __device__ void close_finished(const MmaArgs& A, const SmemLayout& S, const DevJob& j, const MmaTile& tl, int ci,
                                 bool active, T* __restrict__ out) {
    static_assert(kRowTiles == 1, "strips are made of 16-row tiles");
    while (base < tl.nrt && rt[0].ks_hi <= ci + 1) {
      if (active) store_tile<kLayout, kSplit>(A, S.lut, j, tl, tl.y + 16 * base, acc[0], out);
      ++base;
#pragma unroll
      for (int s = 0; s + 1 < kStripOpen; ++s) {
        rt[s] = rt[s + 1];
#pragma unroll
        for (int c = 0; c < 3; ++c)
#pragma unroll
          for (int q = 0; q < 4; ++q) acc[s][0][c][q] = acc[s + 1][0][c][q];
      }
      rt[kStripOpen - 1] = tile(A, tl, base + kStripOpen - 1);
#pragma unroll
      for (int c = 0; c < 3; ++c)
#pragma unroll
        for (int q = 0; q < 4; ++q) acc[kStripOpen - 1][0][c][q] = 0.0f;
    }
  }
};

// This warp's 8 output columns of a strip's column tile: inside the job or not, the staged column of their k = 0,
// their horizontal B fragments (lane's first).
struct StripWarp {
  bool active;
  int kb;
  const uint4* bfr;
  __device__ StripWarp(const MmaArgs& A, const MmaTile& tl, const DevJob& j, const MmaJob& mj) {
    const int warp = threadIdx.x / 32, nloc = tl.x / 8 + warp;
    active = tl.x + 8 * warp < j.w;
    kb = active ? A.hcol0[mj.ntile0 + nloc] - tl.cb : 0;
    bfr = A.hfrag + mj.hfrag0 + size_t(nloc) * mj.n_kh * 32 + threadIdx.x % 32;
  }
};

// One strip (cuda_separable_mma_strip): tl.nrt 16-row tiles of one column tile, each source chunk staged and
// resampled horizontally once.
template <DstLayout kLayout, typename T>
__device__ __forceinline__ void resample_strip(const MmaArgs& A, const SmemLayout& S, bool chw, int sstride, int tile,
                                               T* __restrict__ out) {
  const MmaTile tl = A.tiles[tile];
  const DevJob j = A.jobs[tl.job];
  const MmaJob mj = A.mjobs[tl.job];
  const StripWarp w(A, tl, j, mj);
  const bool active = w.active;

  const ChunkItems ch(tl);
  stage_items(S.stage0, sstride, j, tl, ch, 0, threadIdx.x, chw);
  __syncthreads();

  StripSlots st(A, tl);
  for (int ci = 0; ci < tl.chunks; ++ci) {
    const bool next = ci + 1 < tl.chunks;
    Item pre[kPrefetch];
    if (next) prefetch_chunk(pre, j, tl, ch, ci + 1, chw);
    if (active) {
      horizontal_chunk(S, S.stage0 + (ci & 1) * S.stage_halves, sstride, w.kb, mj.n_kh,
                       [&](int ks) { return __ldg(w.bfr + ks * 32); });
#pragma unroll
      for (int s = 0; s < kStripOpen; ++s) {
        if (!st.feeds(s, ci)) continue;
        uint32_t a_hi[4], a_lo[4];
        vertical_frag(A, st.rt[s], ci, a_hi, a_lo);
        vertical_step(S, a_hi, a_lo, st.acc[s][0]);
      }
      __syncwarp();  // the next chunk's horizontal pass overwrites this warp's intermediate
    }
    st.close_finished<kLayout>(A, S, j, tl, ci, active, out);
    if (next) stage_chunk(S.stage0 + ((ci + 1) & 1) * S.stage_halves, sstride, pre, j, tl, ch, ci + 1, chw);
    __syncthreads();
  }
}

// chw and sstride are kernel parameters of their own: read from MmaArgs, the same kernel spilled (56 bytes of
// stores against 12), the compiler keeping them in registers instead of re-reading the parameter bank.
template <typename T, bool kOtf, bool kPersistent, DstLayout kLayout, bool kStrip = false>
__global__ void __launch_bounds__(kThreads, kStrip ? kStripMinBlocks : kMinBlocks)
separable_mma_kernel(const MmaArgs A, bool chw, int sstride, T* __restrict__ out) {
  extern __shared__ __align__(16) unsigned char smem[];
  __shared__ int shared_tile;
  const SmemLayout S(smem, sstride);
  if (A.e.mode != Mode::Float)  // hf (the variants take no pil); read before the first tile's first __syncthreads
    for (int i = threadIdx.x; i < 3 * 256; i += kThreads) S.lut[i] = A.hf_lut[i];
  static_assert(!kStrip || (!kOtf && !kPersistent), "strips take their weights from the tables, one per block");
  if constexpr (kStrip) {
    resample_strip<kLayout>(A, S, chw, sstride, blockIdx.x, out);
  } else if constexpr (!kPersistent) {
    resample_tile<kOtf, kLayout>(A, S, chw, sstride, blockIdx.x, out);
  } else {
    // Thread 0 takes tiles from the counter for the whole block, one tile ahead: the atomic's round trip (~1 us,
    // measured on the H100) overlaps the current tile instead of stalling the block between tiles.
    if (threadIdx.x == 0) shared_tile = atomicAdd(A.sched, 1);
    __syncthreads();
    for (int tile = shared_tile; tile < A.n_tiles;) {
      const int next = threadIdx.x == 0 ? atomicAdd(A.sched, 1) : 0;
      resample_tile<kOtf, kLayout>(A, S, chw, sstride, tile, out);
      __syncthreads();  // every thread has read shared_tile
      if (threadIdx.x == 0) shared_tile = next;
      __syncthreads();
      tile = shared_tile;
    }
    // Every block has taken its last (out-of-range) tile before the last one gets here: reset for the next launch.
    if (threadIdx.x == 0 && atomicAdd(A.sched + 1, 1) == int(gridDim.x) - 1) {
      atomicExch(A.sched, 0);
      atomicExch(A.sched + 1, 0);
    }
  }
}

}  // namespace pb::cuda::mma
