#pragma once
// The epilogue of the designs whose vertical pass leaves the output transposed in a warp's accumulators (design E,
// variants/cuda/wgmma/, and F, variants/cuda/imma/): m16n8k16 D fragments with output columns along M (lanes g)
// and output rows along N (lanes t), so a lane's values of one row are 8 columns apart and nothing pairs up.
#include "variants/cuda/mma/stores.cuh"  // finish_sel

namespace pb::cuda {

// acc[c][nb][e]: channel c of output column x0 + g + 8 (e >> 1), row y0 + 8 nb + 2t + (e & 1) (window
// coordinates of job j). One index per pixel, the channels (and Qwen's frames) at fixed offsets from it: Qwen's
// patch index costs a dozen integer divisions.
// kInside: the warp's 16 x 8 kBlocks outputs all lie inside the job's output and the resized image (no bounds, no
// padding per value; store_transposed picks it per warp).
template <bool kInside, DstLayout kLayout, int kBlocks, typename T>
__device__ __forceinline__ void store_transposed_as(const Epilogue& e, const DevLayout& L, const float* lut,
                                                    const DevJob& j, int y0, int x0,
                                                    const float (&acc)[3][kBlocks][4], T* __restrict__ out) {
  const int lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const bool hf = e.mode != Mode::Float;
  const long long plane = (long long)j.h * j.w;
#pragma unroll
  for (int nb = 0; nb < kBlocks; ++nb)
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      const int y = y0 + 8 * nb + 2 * t + (q & 1), x = x0 + g + 8 * (q >> 1);
      if (!kInside && (y >= j.h || x >= j.w)) continue;
      const bool in = kInside || (j.y0 + y >= 0 && j.y0 + y < j.rh && j.x0 + x >= 0 && j.x0 + x < j.rw);
      float v[3];
#pragma unroll
      for (int c = 0; c < 3; ++c) v[c] = in ? mma::finish_sel(hf, e, lut, acc[c][nb][q], c) : j.pad[c];
      if constexpr (kLayout != DstLayout::QwenPatches) {
        put_pixel<kLayout>(out, j, y, x, v, plane);
      } else {
        // qwen_index(c, y, x, tt) = qwen_index(0, y, x, 0) + (c T + tt) P^2
        const int PP = L.grid.patch * L.grid.patch, nt = L.grid.temporal;
        T* p = out + qwen_index(j, L.grid, 0, y, x, 0);
        for (int c = 0; c < 3; ++c)
          for (int tt = 0; tt < nt; ++tt) put(p, (long long)(c * nt + tt) * PP, v[c]);
      }
    }
}

template <DstLayout kLayout, int kBlocks, typename T>
__device__ __forceinline__ void store_transposed(const Epilogue& e, const DevLayout& L, const float* lut,
                                                 const DevJob& j, int y0, int x0, const float (&acc)[3][kBlocks][4],
                                                 T* __restrict__ out) {
  const int y1 = y0 + 8 * kBlocks, x1 = x0 + 16;
  const bool inside = y1 <= j.h && x1 <= j.w && j.y0 + y0 >= 0 && j.y0 + y1 <= j.rh && j.x0 + x0 >= 0 &&
                      j.x0 + x1 <= j.rw;
  if (inside) store_transposed_as<true, kLayout>(e, L, lut, j, y0, x0, acc, out);
  else store_transposed_as<false, kLayout>(e, L, lut, j, y0, x0, acc, out);
}

}  // namespace pb::cuda
