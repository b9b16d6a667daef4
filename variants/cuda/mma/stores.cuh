#pragma once
// The epilogue and the output stores of the tensor-core design: straight from the accumulator fragments, pairs as
// one wide store where aligned, one instantiation per output layout.
#include "variants/cuda/mma/config.cuh"

namespace pb::cuda::mma {

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

// hf mode: the table entry of a resized value (rounded half to even, clamped to 0..255, so the index stays inside
// the table). One conversion to u8 rounds and clamps (F2IP.U8; the fminf/fmaxf/__float2int_rn form was three
// instructions per value; NaN gives 0 in both).
__device__ __forceinline__ int round_clamp_u8(float v) {
  unsigned r;
  asm("cvt.rni.sat.u8.f32 %0, %1;" : "=r"(r) : "f"(v));
  return int(r);
}
__device__ __forceinline__ float hf_value(const float* lut, float v, int c) { return lut[c * 256 + round_clamp_u8(v)]; }

// Resized value (0..255) -> final value; in hf mode through the table of the 256 quantized values. The variants
// take float and hf only, and a test against Float (zero) stays a uniform load and compare; `== Mode::Hf` made
// nvcc load the mode per thread in the epilogue (the headline 2.5 % slower on the H200).
__device__ __forceinline__ float finish(const Epilogue& e, const float* lut, float v, int c) {
  if (e.mode != Mode::Float) return hf_value(lut, v, c);
  return epilogue_float(e, v, c);
}
// The same as selects (hf: the mode, read once per tile by the caller): inside store_tile's per-value selects,
// finish() became a branch per value (BSSY/BSYNC around it; ncu: ~15 instructions per value, a quarter of the strip
// kernel's instructions). The table is read in either mode (in float mode unfilled, and the select drops it).
__device__ __forceinline__ float finish_sel(bool hf, const Epilogue& e, const float* lut, float v, int c) {
  const float t = hf_value(lut, v, c);
  return hf ? t : epilogue_float(e, v, c);
}

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
// arithmetic is done once per row. The tile's window rows start at y0, its columns at tl.x.
// kInside: the warp's 16 x 8 outputs all lie inside the job's output and inside the resized image (no padding, no
// bounds per row or pair), and every pair is aligned (pairs_aligned), so each pair is one wide store with no
// fallback; store_tile picks it per warp (ncu: bounds, padding selects and their branches were about half of the
// epilogue's instructions, and the epilogue a sixth of the async kernel's; with the per-pair alignment test left
// in, nvcc predicated both the wide and the scalar stores, three STGs issued per pair).
template <bool kInside, DstLayout kLayout, typename T>
__device__ __forceinline__ void store_rows(const MmaArgs& A, const float* lut, const DevJob& j, const MmaTile& tl,
                                           int y0, const float (&acc)[kRowTiles][3][4], T* __restrict__ out) {
  const Epilogue& e = A.e;
  const bool hf = e.mode != Mode::Float;
  const DevLayout& L = A.L;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const long long plane = (long long)j.h * j.w;
#pragma unroll
  for (int m = 0; m < kRowTiles; ++m)
#pragma unroll
    for (int hh = 0; hh < 2; ++hh) {
      const int y = y0 + 16 * m + g + 8 * hh, x = tl.x + 8 * warp + 2 * t;
      if (!kInside && (y >= j.h || x >= j.w)) continue;
      const bool row_in = kInside || (j.y0 + y >= 0 && j.y0 + y < j.rh);
      const bool in0 = kInside || (row_in && j.x0 + x >= 0 && j.x0 + x < j.rw);
      const bool in1 = kInside || (row_in && j.x0 + x + 1 >= 0 && j.x0 + x + 1 < j.rw);
      const bool two = kInside || x + 1 < j.w;
      float v[3][2];
#pragma unroll
      for (int c = 0; c < 3; ++c) {
        const float f0 = finish_sel(hf, e, lut, acc[m][c][2 * hh], c);
        const float f1 = finish_sel(hf, e, lut, acc[m][c][2 * hh + 1], c);
        v[c][0] = in0 ? f0 : j.pad[c];
        v[c][1] = in1 ? f1 : j.pad[c];
      }
      if constexpr (kLayout == DstLayout::NHWC) {
        // pixels x, x + 1: six consecutive values, three pairs
        T* p = out + nhwc_index(j, 0, y, x);
        if (kInside || (two && aligned_pair(p))) {
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
            if (kInside || (pair && aligned_pair(q))) {
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
        if (kInside || (two && aligned_pair(p))) {
          put_pair(p, v[c][0], v[c][1]);
        } else {
          put(p, 0, v[c][0]);
          if (two) put(p, 1, v[c][1]);
        }
      }
    }
}

// Whether every pair (x even) of job j starts aligned, in all rows: x even, and with an even row length (NCHW,
// NHWC: the index is dst + even) or an even patch side (Qwen: every patch row starts at an even index) the
// parity is that of the job's first index.
template <DstLayout kLayout, typename T>
__device__ __forceinline__ bool pairs_aligned(const DevLayout& L, const DevJob& j, const T* out) {
  if (!aligned_pair(out)) return false;
  if constexpr (kLayout == DstLayout::QwenPatches) return L.grid.patch % 2 == 0;
  return j.w % 2 == 0 && j.dst % 2 == 0;
}

// kSplit: whether inside warps take the bounds-free copy (kInside). The register-light designs gain from it (H200,
// same session: the strip design 9 % faster on Qwen ragged, 4-5 % on large-n4, the rest 0-2 %); the async kernel,
// at its 96-register cap, lost 9-12 % on the small-image batches and 2-6 % on large-n4 with it (gained 8 % on Qwen
// only, which the auto rule sends to the strip design), so it stores through the general copy alone
// (results/2026-12-03-h200-tight/).
template <DstLayout kLayout, bool kSplit = true, typename T>
__device__ __forceinline__ void store_tile(const MmaArgs& A, const float* lut, const DevJob& j, const MmaTile& tl,
                                           int y0, const float (&acc)[kRowTiles][3][4], T* __restrict__ out) {
  if constexpr (!kSplit) {
    store_rows<false, kLayout>(A, lut, j, tl, y0, acc, out);
    return;
  }
  const int x = tl.x + 8 * (threadIdx.x / 32);  // this warp's first column
  const bool inside = y0 + kTileH <= j.h && x + 8 <= j.w && j.y0 + y0 >= 0 && j.y0 + y0 + kTileH <= j.rh &&
                      j.x0 + x >= 0 && j.x0 + x + 8 <= j.rw && pairs_aligned<kLayout>(A.L, j, out);
  if (inside) store_rows<true, kLayout>(A, lut, j, tl, y0, acc, out);
  else store_rows<false, kLayout>(A, lut, j, tl, y0, acc, out);
}

}  // namespace pb::cuda::mma
