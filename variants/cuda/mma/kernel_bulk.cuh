#pragma once
// cuda_separable_mma_bulk's kernel: the strip kernel's passes (kernel.cuh) fed by the bulk-copied ring
// (bulk_ring.cuh). Per chunk: wait for its barrier, widen it into the fp16 stage, block barrier, issue the copies of
// chunk ci + stages into the stage just read, both passes (the horizontal fragments requested a k-step ahead, the
// vertical ones from the ring), block barrier (the next widening overwrites the fp16 stage), close the finished row
// tiles. sm_90 (bulk copies, mbarrier transaction counts); setup refuses older GPUs.
#include "variants/cuda/mma/bulk_ring.cuh"
#include "variants/cuda/mma/kernel.cuh"

namespace pb::cuda::mma {

template <DstLayout kLayout, typename T>
__device__ __forceinline__ void resample_strip_bulk(const MmaArgs& A, const SmemLayout& S, const Ring& R, bool chw,
                                                    int sstride, T* __restrict__ out) {
  const MmaTile tl = A.tiles[blockIdx.x];
  const DevJob j = A.jobs[tl.job];
  const MmaJob mj = A.mjobs[tl.job];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int nloc = tl.x / 8 + warp;
  const bool active = tl.x + 8 * warp < j.w;
  const int kb = active ? A.hcol0[mj.ntile0 + nloc] - tl.cb : 0;
  const uint4* bfr = A.hfrag + mj.hfrag0 + size_t(nloc) * mj.n_kh * 32 + lane;
  const ChunkItems ch(tl);
  for (int k = 0; k < R.stages && k < tl.chunks; ++k) issue_chunk(A, R, j, tl, ch.qpr, k, chw);

  StripSlots st(A, tl);
  for (int ci = 0; ci < tl.chunks; ++ci) {
    mbar_wait(R.bar(ci), uint32_t(ci / R.stages) & 1u);
    convert_chunk(S.stage0, sstride, R, j, tl, ch, ci, chw);
    __syncthreads();  // the fp16 stage is complete; every thread is done with chunk ci's source bytes
    if (ci + R.stages < tl.chunks) issue_chunk(A, R, j, tl, ch.qpr, ci + R.stages, chw);
    if (active) {
      horizontal_chunk<true>(S, S.stage0, sstride, kb, mj.n_kh, [&](int ks) { return __ldg(bfr + ks * 32); });
      const uint4* vf = R.frags(ci) + 2 * lane;
#pragma unroll
      for (int s = 0; s < kStripOpen; ++s) {
        if (!st.feeds(s, ci)) continue;
        const uint4* af = vf + ((st.base + s) % kStripOpen) * kVfragTile;
        const uint4 ah = af[0], al = af[1];
        const uint32_t a_hi[4] = {ah.x, ah.y, ah.z, ah.w}, a_lo[4] = {al.x, al.y, al.z, al.w};
        vertical_step(S, a_hi, a_lo, st.acc[s][0]);
      }
    }
    __syncthreads();  // the next chunk's widening overwrites the fp16 stage, its horizontal pass the intermediate
    st.close_finished<kLayout>(A, S, j, tl, ci, active, out);
  }
}

// One strip per block (the strip kernel's tile table); sstride as in separable_mma_kernel.
template <typename T, DstLayout kLayout>
__global__ void __launch_bounds__(kThreads, kStripMinBlocks)
separable_mma_bulk_kernel(const MmaArgs A, bool chw, int sstride, T* __restrict__ out) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  extern __shared__ __align__(16) unsigned char smem[];  // 16: what bulk copies need
  const SmemLayout S(smem + kBulkHeader, sstride);
  const Ring R(smem, reinterpret_cast<unsigned char*>(S.stage0 + S.stage_halves), A, chw);
  const MmaTile& tl = A.tiles[blockIdx.x];
  if (threadIdx.x == 0) {
    for (int s = 0; s < R.stages; ++s) mbar_init(R.full + s, R.arrivals());
    mbar_init_fence();
  }
  if (threadIdx.x < tl.nrt) R.rts[threadIdx.x] = A.rtiles[tl.rtile0 + threadIdx.x];
  if (A.e.mode != Mode::Float)
    for (int i = threadIdx.x; i < 3 * 256; i += kThreads) S.lut[i] = A.hf_lut[i];
  __syncthreads();
  resample_strip_bulk<kLayout>(A, S, R, chw, sstride, out);
#else
  __trap();  // bulk copies need sm_90; setup refuses older devices
#endif
}

}  // namespace pb::cuda::mma
