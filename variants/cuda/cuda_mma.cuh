#pragma once
// Separable resize on the tensor cores, shared by the cuda_separable_mma designs. Both passes are small dense
// products with banded weight matrices (mma.sync m16n8k16, fp16 operands, fp32 accumulate), one launch for the ragged
// batch; a block works on one output tile of one job at a time (kTileW columns x kTileH rows, 32 x 16 by default;
// NOTES step 6), streaming the tile's source rows in chunks of 16:
//   1. each chunk (three channels) is read as aligned 4-byte words and widened to fp16 in shared memory (uint8 is
//      exact in fp16), double-buffered: the next chunk is staged while this one is resampled;
//   2. horizontal pass: chunk rows x weights. Warp w owns output columns [8w, 8w + 8); its weights are dense,
//      zero-padded fragments built in setup and split into fp16 hi + lo (~22 significant bits): 2 MMAs per k-step;
//   3. the chunk's intermediate (16 rows) stays on chip as fp16 hi + lo planes, private to the warp;
//   4. vertical pass: each chunk is one k-step of the vertical product, accumulated in registers across chunks:
//      weights (hi, lo) x intermediate (hi, lo), 3 MMAs (lo x lo is below fp32 rounding);
//   5. the epilogue (hf: a 256-entry table per channel, bit-equal to HF's float32 arithmetic) and the final layout
//      straight from the accumulator fragments.
// The error budget (~2^-22 relative in weights and intermediate) and the measured ladder: results/NOTES.md, step 6.
// The designs differ on three ablation axes (NOTES step 7): where the weight fragments come from (tables built in
// setup, or computed on the fly from the job geometry), the order of the tile table (raster, or heaviest job
// first), and how tiles reach blocks (one block per tile, or a persistent grid that takes them from a counter).
// Each output layout has its own kernel instantiation (with_layout).
#include <cuda_fp16.h>

#include "core/resample.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda::mma {

#ifndef PB_MMA_WARPS  // warps per block = 8-column MMA tiles per block, a build-time knob for A/B builds
#define PB_MMA_WARPS 4
#endif
constexpr int kWarps = PB_MMA_WARPS, kThreads = 32 * kWarps, kTileW = 8 * kWarps;  // one 8-column MMA tile per warp
#ifndef PB_MMA_TILE_H  // output rows per block (a multiple of 16), a build-time knob for A/B builds
#define PB_MMA_TILE_H 16
#endif
constexpr int kTileH = PB_MMA_TILE_H, kRowTiles = kTileH / 16, kChunk = 16;  // chunk: source rows per vertical k-step
// halves per intermediate row: an odd number of 16-byte chunks, so the 8 rows of an ldmatrix hit distinct banks
constexpr int kHStride = kTileW + 8;
static_assert((kHStride / 8) % 2 == 1, "intermediate rows must span an odd number of 16-byte chunks");
constexpr int kHPlane = 3 * kChunk * kHStride;  // halves per intermediate plane (hi or lo)
// Blocks per SM the register allocation must allow (occupancy vs registers; results/NOTES.md, step 6). A build-time
// knob so that an A/B binary can be built with -DPB_MMA_MIN_BLOCKS=N.
#ifndef PB_MMA_MIN_BLOCKS
#define PB_MMA_MIN_BLOCKS 6
#endif

struct MmaJob {
  int hfrag0 = 0;  // this job's first horizontal fragment (uint4 units)
  int ntile0 = 0;  // this job's first 8-column tile in hcol0
  int n_kh = 1;    // horizontal k-steps (16 source columns) per column tile
};

// One 16-row tile of a block: its vertical fragments cover k-steps [ks_lo, ks_hi) of the block's chunks.
struct RowTile {
  int frag0 = 0, ks_lo = 0, ks_hi = 0;  // frag0 in uint4 units; ks_hi = 0 for a tile below the window
};

struct MmaTile {
  int job, y, x;    // window rows [y, y + kTileH), columns [x, x + kTileW)
  int r0, chunks;   // source rows [r0, r0 + 16 chunks)
  int cb, nc;       // staged source columns [cb, cb + nc), multiples of 8
  int rtile0;       // its kRowTiles entries in the row-tile table
};

// ---- device helpers -----------------------------------------------------------------------------------------

__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], const void* p) {
  const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
}

__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], const void* p) {
  const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
}

__device__ __forceinline__ uint32_t as_u32(__half2 h) { return *reinterpret_cast<uint32_t*>(&h); }
__device__ __forceinline__ __half2 as_h2(uint32_t u) { return *reinterpret_cast<__half2*>(&u); }

// Four uint8 (one word) to four fp16: prmt builds 0x64XX = 1024 + XX, the subtraction is exact.
__device__ __forceinline__ uint2 widen4(uint32_t v) {
  const __half2 k1024 = as_h2(0x64006400u);
  const uint32_t lo = __byte_perm(v, 0x64646464u, 0x4140), hi = __byte_perm(v, 0x64646464u, 0x4342);
  return make_uint2(as_u32(__hsub2(as_h2(lo), k1024)), as_u32(__hsub2(as_h2(hi), k1024)));
}

// Channel c's bytes 3k + c (k = 0..3) of three words holding four interleaved RGB pixels.
__device__ __forceinline__ uint32_t gather_channel(const uint32_t* w, int c) {
  return c == 0 ? __byte_perm(__byte_perm(w[0], w[1], 0x0630), w[2], 0x5210)    // bytes 0, 3, 6, 9
         : c == 1 ? __byte_perm(__byte_perm(w[0], w[1], 0x0741), w[2], 0x6210)  // bytes 1, 4, 7, 10
                  : __byte_perm(__byte_perm(w[0], w[1], 0x0052), w[2], 0x7410); // bytes 2, 5, 8, 11
}

// N words from byte address a, read as N + 1 aligned words realigned by prmt.
template <int N>
__device__ __forceinline__ void realigned_words(uintptr_t a, uint32_t* out) {
  const uint32_t* w = reinterpret_cast<const uint32_t*>(a & ~uintptr_t(3));
  const unsigned sel = 0x3210u + 0x1111u * unsigned(a & 3);
  uint32_t prev = __ldg(w);
#pragma unroll
  for (int i = 0; i < N; ++i) {
    const uint32_t next = __ldg(w + i + 1);
    out[i] = __byte_perm(prev, next, sel);
    prev = next;
  }
}

#ifndef PB_MMA_ITEM_COLS  // source columns per staging item (8 or 16), a build-time knob for A/B builds
#define PB_MMA_ITEM_COLS 16
#endif
constexpr int kItemCols = PB_MMA_ITEM_COLS, kItemWords = kItemCols / 4;
static_assert(kItemCols == 8 || kItemCols == 16, "staging items are 8 or 16 columns");

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
constexpr int kPrefetch = 16 / kItemCols;

struct ChunkItems {
  int qpr, items;
  float inv;
  __device__ explicit ChunkItems(const MmaTile& tl)
      : qpr((tl.nc + kItemCols - 1) / kItemCols), items(kChunk * qpr), inv(1.0f / float(qpr)) {}
  __device__ void coords(int it, int& rr, int& q) const {
    rr = __float2int_rz((float(it) + 0.5f) * inv);  // exact for these sizes
    q = it - rr * qpr;
  }
};

__device__ inline void stage_items(__half* stage, int sstride, const DevJob& j, const MmaTile& tl, const ChunkItems& ch,
                            int ci, int first, bool chw) {
  for (int it = first; it < ch.items; it += kThreads) {
    int rr, q;
    ch.coords(it, rr, q);
    put_item(stage, sstride, rr, q, fetch_item(j, tl.r0 + kChunk * ci + rr, tl.cb + kItemCols * q, chw));
  }
}

__device__ __forceinline__ void put_pair(float* p, float a, float b) {
  *reinterpret_cast<float2*>(p) = make_float2(a, b);
}
__device__ __forceinline__ void put_pair(__nv_bfloat16* p, float a, float b) {
  *reinterpret_cast<__nv_bfloat162*>(p) = __floats2bfloat162_rn(a, b);
}

template <typename T>
__device__ __forceinline__ bool aligned_pair(const T* p) {
  return (reinterpret_cast<uintptr_t>(p) & (2 * sizeof(T) - 1)) == 0;
}

// Resized value (0..255) -> final value; in hf mode through the table of the 256 quantized values.
__device__ __forceinline__ float finish(const Epilogue& e, const float* lut, float v, int c) {
  if (e.mode == Mode::Hf) return lut[c * 256 + __float2int_rn(fminf(255.0f, fmaxf(0.0f, v)))];
  return epilogue_float(e, v, c);
}

// ---- weights on the fly (the ablation of the fragment tables) ------------------------------------------------

// The taps of one resized coordinate of an antialiased table: inputs [lo, lo + n), input k weighs
// f((k - lo + d) * invs) * inv_total. The window and the normalization come from core's aa_window in double, as the
// tables do; the taps themselves are evaluated in float (their error, ~1e-7, is below the fp16 hi + lo split's).
struct AxisTaps {
  int lo = 0, n = 0;  // n = 0: outside the window or the resized image, every weight is 0
  float d = 0.0f, invs = 1.0f, inv_total = 0.0f;
};

__device__ __forceinline__ float aa_filter_f(bool cubic, float x) {
  x = fabsf(x);
  if (!cubic) return fmaxf(0.0f, 1.0f - x);
  return x < 1.0f ? (1.5f * x - 2.5f) * x * x + 1.0f : x < 2.0f ? (((x - 5.0f) * x + 8.0f) * x - 4.0f) * -0.5f : 0.0f;
}

__device__ inline AxisTaps axis_taps(int in, int out, int rc, bool cubic, double support1) {
  AxisTaps a;
  if (rc < 0 || rc >= out) return a;
  const AaWindow w = aa_window(in, out, support1, rc);
  double total = 0.0;
  for (int j = 0; j < w.xsize; ++j) {
    const double x = (j + w.xmin - w.center + 0.5) * w.invscale;
    total += cubic ? filter_cubic_aa(x) : filter_triangle(x);
  }
  a.lo = w.xmin;
  a.n = w.xsize;
  a.d = float(w.xmin - w.center + 0.5);
  a.invs = float(w.invscale);
  a.inv_total = total != 0.0 ? float(1.0 / total) : 0.0f;
  return a;
}

__device__ __forceinline__ float tap_weight(const AxisTaps& a, int k, bool cubic) {
  const int j = k - a.lo;
  return unsigned(j) < unsigned(a.n) ? aa_filter_f(cubic, (float(j) + a.d) * a.invs) * a.inv_total : 0.0f;
}

// Two weights as packed fp16 hi (low half = first) and lo = fp16(w - hi), as the tables hold them.
__device__ __forceinline__ uint2 split2(float w0, float w1) {
  const __half2 hi = __floats2half2_rn(w0, w1);
  const float2 back = __half22float2(hi);
  return make_uint2(as_u32(hi), as_u32(__floats2half2_rn(w0 - back.x, w1 - back.y)));
}

// ---- the kernel ---------------------------------------------------------------------------------------------

struct MmaArgs {
  const DevJob* jobs;
  const MmaJob* mjobs;
  const MmaTile* tiles;
  const RowTile* rtiles;
  const int* hcol0;
  const uint4 *hfrag, *vfrag;  // null when the weights are computed on the fly
  const float* hf_lut;
  Epilogue e;
  DevLayout L;
  int n_tiles;
  int* sched;         // persistent grid: [next tile, blocks done]; both return to 0 when the last block leaves
  int cubic;          // on the fly: Keys a = -0.5 cubic (1) or triangle (0), antialiased
  double support1;    // on the fly: the filter's support at scale 1
};

struct SmemLayout {
  float* lut;  // [3][256]
  __half *hhi, *hlo, *stage0;
  int stage_halves;
  __device__ SmemLayout(unsigned char* smem, int sstride)
      : lut(reinterpret_cast<float*>(smem)),
        hhi(reinterpret_cast<__half*>(smem + 3 * 256 * 4)),  // [3][16][kHStride]
        hlo(hhi + kHPlane),
        stage0(hlo + kHPlane),  // 2 x [3][16][sstride]
        stage_halves(3 * kChunk * sstride) {}
};

// Each thread holds columns x, x + 1 of rows y (per row tile and half): pairs go out as one 8- (fp32) or 4-byte
// (bf16) store where aligned (NCHW, Qwen's patch rows, and NHWC's six values of two pixels); the NCHW index
// arithmetic is done once per row.
template <DstLayout kLayout, typename T>
__device__ __forceinline__ void store_tile(const MmaArgs& A, const float* lut, const DevJob& j, const MmaTile& tl,
                                           const float (&acc)[kRowTiles][3][4], T* __restrict__ out) {
  const Epilogue& e = A.e;
  const DevLayout& L = A.L;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const long long plane = (long long)j.h * j.w;
#pragma unroll
  for (int m = 0; m < kRowTiles; ++m)
#pragma unroll
    for (int hh = 0; hh < 2; ++hh) {
      const int y = tl.y + 16 * m + g + 8 * hh, x = tl.x + 8 * warp + 2 * t;
      if (y >= j.h || x >= j.w) continue;
      const bool row_in = j.y0 + y >= 0 && j.y0 + y < j.rh;
      const bool in0 = row_in && j.x0 + x >= 0 && j.x0 + x < j.rw;
      const bool in1 = row_in && j.x0 + x + 1 >= 0 && j.x0 + x + 1 < j.rw;
      const bool two = x + 1 < j.w;
      float v[3][2];
#pragma unroll
      for (int c = 0; c < 3; ++c) {
        v[c][0] = in0 ? finish(e, lut, acc[m][c][2 * hh], c) : j.pad[c];
        v[c][1] = in1 ? finish(e, lut, acc[m][c][2 * hh + 1], c) : j.pad[c];
      }
      if constexpr (kLayout == DstLayout::NHWC) {
        // pixels x, x + 1: six consecutive values, three pairs
        T* p = out + nhwc_index(j, 0, y, x);
        if (two && aligned_pair(p)) {
          put_pair(p, v[0][0], v[1][0]);
          put_pair(p + 2, v[2][0], v[0][1]);
          put_pair(p + 4, v[1][1], v[2][1]);
        } else {
          for (int c = 0; c < 3; ++c) {
            put(p, c, v[c][0]);
            if (two) put(p, 3 + c, v[c][1]);
          }
        }
        continue;
      }
      if constexpr (kLayout == DstLayout::QwenPatches) {
        // One index per pixel: qwen_index(c, y, x, tt) = qwen_index(0, y, x, 0) + (c T + tt) P^2. x is even and the
        // patch side too (14), so x and x + 1 sit side by side in one patch row.
        const int P = L.grid.patch, nt = L.grid.temporal;
        T* const q0 = out + qwen_index(j, L.grid, 0, y, x, 0);
        const bool pair = two && (x % P) + 1 < P;
        for (int c = 0; c < 3; ++c)
          for (int tt = 0; tt < nt; ++tt) {
            T* q = q0 + (c * nt + tt) * P * P;
            if (pair && aligned_pair(q)) {
              put_pair(q, v[c][0], v[c][1]);
            } else {
              put(q, 0, v[c][0]);
              if (two) put(out, qwen_index(j, L.grid, c, y, x + 1, tt), v[c][1]);
            }
          }
        continue;
      }
      T* p = out + j.dst + (long long)y * j.w + x;
#pragma unroll
      for (int c = 0; c < 3; ++c, p += plane) {
        if (two && aligned_pair(p)) {
          put_pair(p, v[c][0], v[c][1]);
        } else {
          put(p, 0, v[c][0]);
          if (two) put(p, 1, v[c][1]);
        }
      }
    }
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

  // ldmatrix row addresses: lanes 8i..8i+7 address matrix i
  const int lrow = (lane & 7) + ((lane >> 3) & 1) * 8, lhalf = lane >> 4;
  float acc[kRowTiles][3][4] = {};
  for (int ci = 0; ci < tl.chunks; ++ci) {
    const bool next = ci + 1 < tl.chunks;
    Item pre[kPrefetch];
#pragma unroll
    for (int k = 0; k < kPrefetch; ++k) {
      const int it = threadIdx.x + k * kThreads;
      if (next && it < ch.items) {
        int rr, q;
        ch.coords(it, rr, q);
        pre[k] = fetch_item(j, tl.r0 + kChunk * (ci + 1) + rr, tl.cb + kItemCols * q, chw);
      }
    }
    if (active) {
      const __half* stage = S.stage0 + (ci & 1) * S.stage_halves;
      float h[3][4] = {};
      for (int ks = 0; ks < mj.n_kh; ++ks) {
        uint4 b;  // hi b0, hi b1, lo b0, lo b1
        if constexpr (kOtf) {
          const int k = tl.cb + kb + ks * 16 + 2 * t;  // B rows (source columns) k, k + 1 and k + 8, k + 9
          const uint2 b0 = split2(tap_weight(ht, k, A.cubic), tap_weight(ht, k + 1, A.cubic));
          const uint2 b1 = split2(tap_weight(ht, k + 8, A.cubic), tap_weight(ht, k + 9, A.cubic));
          b = make_uint4(b0.x, b1.x, b0.y, b1.y);
        } else {
          b = __ldg(bfr + ks * 32);
        }
#pragma unroll
        for (int c = 0; c < 3; ++c) {
          uint32_t a[4];
          ldsm_x4(a, stage + (c * kChunk + lrow) * sstride + kb + ks * 16 + lhalf * 8);
          mma16816(h[c], a, b.x, b.y);
          mma16816(h[c], a, b.z, b.w);
        }
      }
      // intermediate rows g, g + 8 of the chunk, columns 8 warp + 2t, +1: split into hi + lo halves
#pragma unroll
      for (int c = 0; c < 3; ++c)
#pragma unroll
        for (int hh = 0; hh < 2; ++hh) {
          const uint2 s = split2(h[c][2 * hh], h[c][2 * hh + 1]);
          const int at = (c * kChunk + g + 8 * hh) * kHStride + 8 * warp + 2 * t;
          *reinterpret_cast<uint32_t*>(S.hhi + at) = s.x;
          *reinterpret_cast<uint32_t*>(S.hlo + at) = s.y;
        }
      __syncwarp();  // the warp reads back only its own 8 columns
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
          const uint4* af = A.vfrag + rt[m].frag0 + (size_t(ci - rt[m].ks_lo) * 32 + lane) * 2;
          const uint4 ah = __ldg(af), al = __ldg(af + 1);
          a_hi[0] = ah.x, a_hi[1] = ah.y, a_hi[2] = ah.z, a_hi[3] = ah.w;
          a_lo[0] = al.x, a_lo[1] = al.y, a_lo[2] = al.z, a_lo[3] = al.w;
        }
#pragma unroll
        for (int c = 0; c < 3; ++c) {
          // matrices: hi rows 0-7, hi rows 8-15, lo rows 0-7, lo rows 8-15 of the chunk (this warp's 8 columns)
          uint32_t b[4];
          ldsm_x4_trans(b, (lhalf ? S.hlo : S.hhi) + (c * kChunk + lrow) * kHStride + 8 * warp);
          mma16816(acc[m][c], a_hi, b[0], b[1]);
          mma16816(acc[m][c], a_hi, b[2], b[3]);
          mma16816(acc[m][c], a_lo, b[0], b[1]);
        }
      }
      __syncwarp();  // the next chunk's horizontal pass overwrites this warp's intermediate
    }
    if (next) {
      __half* dst = S.stage0 + ((ci + 1) & 1) * S.stage_halves;
#pragma unroll
      for (int k = 0; k < kPrefetch; ++k) {
        const int it = threadIdx.x + k * kThreads;
        if (it < ch.items) {
          int rr, q;
          ch.coords(it, rr, q);
          put_item(dst, sstride, rr, q, pre[k]);
        }
      }
      stage_items(dst, sstride, j, tl, ch, ci + 1, threadIdx.x + kPrefetch * kThreads, chw);
    }
    __syncthreads();  // the next iteration stages into the buffer this one read
  }
  if (active) store_tile<kLayout>(A, S.lut, j, tl, acc, out);
}

// chw and sstride are kernel parameters of their own: read from MmaArgs, the same kernel spilled (56 bytes of
// stores against 12), the compiler keeping them in registers instead of re-reading the parameter bank.
template <typename T, bool kOtf, bool kPersistent, DstLayout kLayout>
__global__ void __launch_bounds__(kThreads, PB_MMA_MIN_BLOCKS)
separable_mma_kernel(const MmaArgs A, bool chw, int sstride, T* __restrict__ out) {
  extern __shared__ __align__(16) unsigned char smem[];
  __shared__ int shared_tile;
  const SmemLayout S(smem, sstride);
  if (A.e.mode == Mode::Hf)  // read before the first tile's first __syncthreads
    for (int i = threadIdx.x; i < 3 * 256; i += kThreads) S.lut[i] = A.hf_lut[i];
  if constexpr (!kPersistent) {
    resample_tile<kOtf, kLayout>(A, S, chw, sstride, blockIdx.x, out);
  } else {
    // Thread 0 takes tiles from the counter for the whole block, one tile ahead: the atomic's round trip (~1 us,
    // NOTES step 7b) overlaps the current tile instead of stalling the block between tiles.
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

// ---- setup: fragment tables and tiles ------------------------------------------------------------------------

struct Half2Split {
  uint32_t hi = 0, lo = 0;
};

// Two weights as packed fp16 hi (low half = first) and lo = fp16(w - hi).
inline Half2Split split_pair(double w0, double w1) {
  auto split = [](double w, __half& hi, __half& lo) {
    hi = __float2half_rn(float(w));
    lo = __float2half_rn(float(w - double(__half2float(hi))));
  };
  __half h0, l0, h1, l1;
  split(w0, h0, l0);
  split(w1, h1, l1);
  Half2Split s;
  s.hi = uint32_t(__half_as_ushort(h0)) | uint32_t(__half_as_ushort(h1)) << 16;
  s.lo = uint32_t(__half_as_ushort(l0)) | uint32_t(__half_as_ushort(l1)) << 16;
  return s;
}

// One axis of one job in groups of `group` consecutive window coordinates (an MMA tile's rows or columns): the
// source span [lo, hi) each group's taps read, and the weight of (coordinate i of group grp, source index src).
struct AxisBands {
  std::vector<int> lo, hi;
  const WeightTable* table = nullptr;
  int offset = 0, window = 0, group = 8;

  AxisBands(const WeightTable& t, int offset_, int window_, int group_)
      : table(&t), offset(offset_), window(window_), group(group_) {
    for (int grp = 0; grp * group < window; ++grp) {
      int a = 1 << 30, b = 0;
      for (int i = 0; i < group; ++i)
        if (const int rc = resized(grp, i); rc >= 0) {
          a = std::min(a, t.start[size_t(rc)]);
          b = std::max(b, t.start[size_t(rc)] + t.count[size_t(rc)]);
        }
      if (a > b) {  // no resized coordinate in this group (padding): anchor at the nearest one, no taps
        const int rc = std::min(std::max(offset + grp * group, 0), t.out - 1);
        a = b = t.start[size_t(rc)];
      }
      lo.push_back(a);
      hi.push_back(b);
    }
  }
  int groups() const { return int(lo.size()); }
  // resized coordinate of window coordinate grp * group + i, or -1 outside the window or the resized image
  int resized(int grp, int i) const {
    const int wc = grp * group + i, rc = offset + wc;
    return wc < window && rc >= 0 && rc < table->out ? rc : -1;
  }
  double weight(int grp, int i, int src) const {
    const int rc = resized(grp, i);
    if (rc < 0) return 0.0;
    const int k = src - table->start[size_t(rc)];
    return k >= 0 && k < table->count[size_t(rc)] ? table->row(rc)[k] : 0.0;
  }
};

// Rows of a padded stage: a multiple of 8 halves whose 16-byte count is odd (conflict-free ldmatrix rows).
inline int stage_stride(int nc) {
  int s = (nc + 7) / 8 * 8;
  if ((s / 8) % 2 == 0) s += 8;
  return s;
}

inline size_t smem_bytes(int sstride) {
  return size_t(3) * 256 * 4 + size_t(2) * kHPlane * 2 + size_t(2) * 3 * kChunk * sstride * 2;
}

// Calls f with std::integral_constant<DstLayout, l>: one kernel instantiation per output layout, so that each
// kernel holds only its own epilogue. (With all three epilogues in one kernel, the Qwen epilogue's register needs
// changed the chunk loop's code and slowed the downscales by up to 15 %; NOTES step 7d.)
template <typename F>
void with_layout(DstLayout l, F&& f) {
  switch (l) {
    case DstLayout::NCHW: return f(std::integral_constant<DstLayout, DstLayout::NCHW>{});
    case DstLayout::QwenPatches: return f(std::integral_constant<DstLayout, DstLayout::QwenPatches>{});
    case DstLayout::NHWC: return f(std::integral_constant<DstLayout, DstLayout::NHWC>{});
  }
}

// The order of the tile table, which is the order blocks start in (the hardware dispatches in blockIdx order, the
// persistent grid's counter in table order): raster (job, row, column), or the jobs heaviest first (by their
// heaviest tile: source chunks x staged columns; longest processing time first), so that the last wave is made of
// light tiles. Each job's tiles stay together, in raster order: sorting single tiles across jobs (NOTES step 7c)
// cost Qwen up to 25 % in locality.
enum class TileOrder { Raster, HeaviestJobFirst };

template <bool kOtf, bool kPersistent>
class MmaVariant final : public Variant {
 public:
  MmaVariant(VariantInfo info, TileOrder order) : info_(std::move(info)), order_(order) {}
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    if (kOtf && (!plan.antialias || (plan.filter != Filter::Bicubic && plan.filter != Filter::Bilinear)))
      throw std::invalid_argument(info_.name + " computes antialiased bicubic or bilinear weights only, not " +
                                  filter_name(plan.filter) + (plan.antialias ? "" : " without antialias"));
    d_ = upload_plan(plan, in, ws);
    std::vector<MmaJob> mjobs;
    std::vector<MmaTile> tiles;
    std::vector<RowTile> rtiles;
    std::vector<int> hcol0;
    std::vector<uint4> hfrag, vfrag;
    int max_nc = 8;
    for (size_t ji = 0; ji < d_.host_jobs.size(); ++ji) {
      const DevJob& j = d_.host_jobs[ji];
      const WeightTable& th = plan.htable(plan.jobs[ji]);
      const WeightTable& tv = plan.vtable(plan.jobs[ji]);
      const AxisBands hb(th, j.x0, j.w, 8), vb(tv, j.y0, j.h, 16);
      // Horizontal: per 8-column tile, k-steps from a multiple of 8 (ldmatrix rows need 16-byte alignment).
      MmaJob mj;
      mj.hfrag0 = int(hfrag.size());
      mj.ntile0 = int(hcol0.size());
      for (int n = 0; n < hb.groups(); ++n) mj.n_kh = std::max(mj.n_kh, (hb.hi[n] - hb.lo[n] / 8 * 8 + 15) / 16);
      for (int n = 0; n < hb.groups(); ++n) {
        const int k0 = hb.lo[n] / 8 * 8;
        hcol0.push_back(k0);
        for (int ks = 0; ks < mj.n_kh && !kOtf; ++ks)
          for (int lane = 0; lane < 32; ++lane) {  // B fragment: rows (k) 2t, 2t+1 and 2t+8, 2t+9; column g
            const int g = lane >> 2, k = k0 + ks * 16 + 2 * (lane & 3);
            const Half2Split b0 = split_pair(hb.weight(n, g, k), hb.weight(n, g, k + 1));
            const Half2Split b1 = split_pair(hb.weight(n, g, k + 8), hb.weight(n, g, k + 9));
            hfrag.push_back(make_uint4(b0.hi, b1.hi, b0.lo, b1.lo));
          }
      }
      mjobs.push_back(mj);
      // Blocks: kTileW x kTileH output tiles. A block's vertical k-steps count 16 source rows from its first row.
      for (int y = 0; y < j.h; y += kTileH) {
        const int m0 = y / 16, r0 = vb.lo[size_t(m0)];
        const int rtile0 = int(rtiles.size());
        int chunks = 1;
        for (int m = m0; m < m0 + kRowTiles; ++m) {
          RowTile rt;
          if (m < vb.groups()) {
            rt.frag0 = int(vfrag.size());
            rt.ks_lo = (vb.lo[m] - r0) / 16;
            rt.ks_hi = std::max(rt.ks_lo + 1, (vb.hi[m] - r0 + 15) / 16);
            chunks = std::max(chunks, rt.ks_hi);
            for (int ks = rt.ks_lo; ks < rt.ks_hi && !kOtf; ++ks)
              for (int lane = 0; lane < 32; ++lane) {  // A fragment: rows g, g+8; columns (k) 2t, 2t+1, 2t+8, 2t+9
                const int g = lane >> 2, k = r0 + ks * 16 + 2 * (lane & 3);
                const Half2Split a0 = split_pair(vb.weight(m, g, k), vb.weight(m, g, k + 1));
                const Half2Split a1 = split_pair(vb.weight(m, g + 8, k), vb.weight(m, g + 8, k + 1));
                const Half2Split a2 = split_pair(vb.weight(m, g, k + 8), vb.weight(m, g, k + 9));
                const Half2Split a3 = split_pair(vb.weight(m, g + 8, k + 8), vb.weight(m, g + 8, k + 9));
                vfrag.push_back(make_uint4(a0.hi, a1.hi, a2.hi, a3.hi));
                vfrag.push_back(make_uint4(a0.lo, a1.lo, a2.lo, a3.lo));
              }
          }
          rtiles.push_back(rt);
        }
        for (int x = 0; x < j.w; x += kTileW) {
          MmaTile tl{int(ji), y, x, r0, chunks, 1 << 30, 0, rtile0};
          int cend = 0;
          for (int n = x / 8; n < std::min(hb.groups(), (x + kTileW) / 8); ++n) {
            tl.cb = std::min(tl.cb, hcol0[size_t(mj.ntile0 + n)]);
            cend = std::max(cend, hcol0[size_t(mj.ntile0 + n)] + 16 * mj.n_kh);
          }
          tl.nc = cend - tl.cb;
          max_nc = std::max(max_nc, tl.nc);
          tiles.push_back(tl);
        }
      }
    }
    if (order_ == TileOrder::HeaviestJobFirst) {
      std::vector<long long> job_cost(d_.host_jobs.size(), 0);
      for (const MmaTile& t : tiles) {
        long long& c = job_cost[size_t(t.job)];
        c = std::max(c, (long long)t.chunks * t.nc);
      }
      std::stable_sort(tiles.begin(), tiles.end(), [&](const MmaTile& a, const MmaTile& b) {
        return job_cost[size_t(a.job)] > job_cost[size_t(b.job)];
      });
    }
    // hf epilogue: fl32(fl32(q - mean255) / std255) for the 256 quantized values, IEEE float32 on the host
    std::vector<float> lut(3 * 256);
    for (int c = 0; c < 3; ++c)
      for (int q = 0; q < 256; ++q) lut[size_t(c * 256 + q)] = epilogue_hf_u8(d_.epi, float(q), c);
    const int sstride = stage_stride((max_nc + kItemCols - 1) / kItemCols * kItemCols);  // whole staging items
    smem_ = smem_bytes(sstride);
    A_ = MmaArgs{};
    A_.jobs = d_.jobs;
    A_.mjobs = upload(ws, mjobs, "mma job table");
    A_.tiles = upload(ws, tiles, "tile table");
    A_.rtiles = upload(ws, rtiles, "row-tile table");
    A_.hcol0 = upload(ws, hcol0, "column windows");
    if (!kOtf) {
      A_.hfrag = upload(ws, hfrag, "horizontal weight fragments");
      A_.vfrag = upload(ws, vfrag, "vertical weight fragments");
    }
    A_.hf_lut = upload(ws, lut, "hf epilogue table");
    A_.e = d_.epi;
    A_.L = d_.layout;
    chw_ = in.layout == Layout::CHW;
    sstride_ = sstride;
    A_.n_tiles = int(tiles.size());
    A_.cubic = plan.filter == Filter::Bicubic;
    A_.support1 = filter_support(plan.filter);
    grid_ = A_.n_tiles;
    if (kPersistent) A_.sched = upload(ws, std::vector<int>{0, 0}, "tile counter");
    with_layout(d_.layout.kind, [&](auto layout) {
      constexpr DstLayout kL = decltype(layout)::value;
      allow_dynamic_smem(separable_mma_kernel<float, kOtf, kPersistent, kL>,
                         separable_mma_kernel<__nv_bfloat16, kOtf, kPersistent, kL>, smem_,
                         (info_.name + " (downscale too strong for its staged chunk)").c_str());
      if (kPersistent)
        grid_ = std::min(grid_, resident_blocks(separable_mma_kernel<float, kOtf, kPersistent, kL>, kThreads, smem_));
    });
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs&, const Output& out, void* stream) {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      using T = std::remove_pointer_t<decltype(o)>;
      with_layout(d_.layout.kind, [&](auto layout) {
        separable_mma_kernel<T, kOtf, kPersistent, decltype(layout)::value>
            <<<grid_, kThreads, smem_, static_cast<cudaStream_t>(stream)>>>(A_, chw_, sstride_, o);
      });
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  VariantInfo info_;
  TileOrder order_;
  DevPlan d_;
  MmaArgs A_{};
  bool chw_ = false;
  int sstride_ = 8, grid_ = 0;
  size_t smem_ = 0;
};

}  // namespace pb::cuda::mma
