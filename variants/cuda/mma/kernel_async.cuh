#pragma once
// cuda_separable_mma_async's kernel: the strip kernel's passes (kernel.cuh) fed by the asynchronous ring
// (async_ring.cuh). Per chunk: widen the landed chunk into the fp16 stage, block barrier, issue the copies of chunk
// ci + stages into the source stage just read, both passes (the horizontal fragments requested a k-step ahead, the
// vertical ones from the ring), wait for chunk ci + 1's copies, block barrier (the next widening overwrites the
// fp16 stage and reads chunk ci + 1), close the finished row tiles.
#include "variants/cuda/mma/async_ring.cuh"
#include "variants/cuda/mma/kernel.cuh"

namespace pb::cuda::mma {

template <DstLayout kLayout, typename T>
__device__ __forceinline__ void resample_strip_async(const MmaArgs& A, const SmemLayout& S, const Ring& R,
                                                     const MmaTile& tl, bool chw, int sstride, T* __restrict__ out) {
  const DevJob j = A.jobs[tl.job];
  const MmaJob mj = A.mjobs[tl.job];
  const StripWarp w(A, tl, j, mj);
  const bool active = w.active;
  const ChunkItems ch(tl);
  const CopyShare cs(j, tl, chw);
  const ImageSpan im(j);
  RingSlot cur, ahead;  // chunk ci's slots, chunk ci + stages's
  for (int k = 0; k < R.stages; ++k, ahead.advance(R)) issue_chunk(A, R, j, tl, cs, ahead, ch.qpr, k, chw);
  R.wait_next();  // chunk 0
  __syncthreads();

  StripSlots st(A, tl);
  for (int ci = 0; ci < tl.chunks; ++ci, cur.advance(R), ahead.advance(R)) {
    convert_chunk(S.stage0, sstride, R, cur, j, tl, im, ch, ci, chw);
    __syncthreads();  // the fp16 stage is complete; every thread is done with chunk ci's source bytes
    issue_chunk(A, R, j, tl, cs, ahead, ch.qpr, ci + R.stages, chw);  // past the last chunk: an empty commit group
    if (active) {
      horizontal_chunk<true>(S, S.stage0, sstride, w.kb, mj.n_kh, [&](int ks) { return __ldg(w.bfr + ks * 32); });
      const uint4* vf = R.frags(cur.f) + 2 * (threadIdx.x % 32);
#pragma unroll
      for (int s = 0; s < kStripOpen; ++s) {
        if (!st.feeds(s, ci)) continue;
        const uint4* af = vf + ((st.base + s) % kStripOpen) * kVfragTile;
        const uint4 ah = af[0], al = af[1];
        const uint32_t a_hi[4] = {ah.x, ah.y, ah.z, ah.w}, a_lo[4] = {al.x, al.y, al.z, al.w};
        vertical_step(S, a_hi, a_lo, st.acc[s][0]);
      }
    }
    R.wait_next();
    __syncthreads();  // chunk ci + 1 landed for every thread; the fp16 stage and intermediate are free again
    st.close_finished<kLayout, /*kSplit=*/false>(A, S, j, tl, ci, active, out);
  }
}

// One strip per block (the strip kernel's tile table); sstride as in separable_mma_kernel.
template <typename T, DstLayout kLayout>
__global__ void __launch_bounds__(kThreads, kStripMinBlocks)
separable_mma_async_kernel(const MmaArgs A, bool chw, int sstride, T* __restrict__ out) {
  extern __shared__ __align__(16) unsigned char smem[];  // 16: what the 16-byte copies need
  const SmemLayout S(smem + kAsyncHeader, sstride);
  const Ring R(smem, reinterpret_cast<unsigned char*>(S.stage0 + S.stage_halves), A, chw);
  const MmaTile tl = A.tiles[blockIdx.x];
  if (threadIdx.x < tl.nrt) R.rts[threadIdx.x] = A.rtiles[tl.rtile0 + threadIdx.x];
  if (A.e.mode != Mode::Float)
    for (int i = threadIdx.x; i < 3 * 256; i += kThreads) S.lut[i] = A.hf_lut[i];
  __syncthreads();
  resample_strip_async<kLayout>(A, S, R, tl, chw, sstride, out);
}

}  // namespace pb::cuda::mma
