#pragma once
// Design E (issue 16; budget and measurements in docs/design-log.md): separable resize with the horizontal pass on
// the int8 tensor cores, one launch for the ragged batch, one block per output tile (kTileW x kTileH of one job).
//   producer warp: stages each chunk of kChunk source rows (the tile's K columns, three channels) into a ring of
//     shared-memory stages with 1-D bulk copies (TMA), one per row and channel, completing on the stage's mbarrier;
//     no per-byte instructions. Rows start at any byte, so each copy starts at the 16-byte boundary below its row.
//   consumer warpgroup, per chunk:
//     1. relayout: the landed rows, shifted to their first column, into wgmma's K-major core matrices (8 rows x 16
//        bytes), uint8 as they are (HWC: deinterleaved here), the three channels stacked along N (48 rows);
//     2. horizontal pass: wgmma m64n48k32, s8 x u8 -> s32, A = the tile's weights as kLimbs signed 7-bit limbs
//        (registers), B = the relaid-out chunk (shared memory); exact integer sums, one accumulator per limb;
//     3. per channel, the limbs combined (top two in integers) with their power-of-two column scales, split into
//        fp16 hi + lo in registers: the accumulator fragment of the 16 columns of a warp is the A fragment of the
//        vertical mma.sync;
//     4. vertical pass: mma.sync m16n8k16 (hi x hi, hi x lo, lo x hi) against the chunk's vertical weights,
//        accumulated over the chunks in registers;
//   then the epilogue straight from the accumulators.
#include "variants/cuda/transposed_store.cuh"
#include "variants/cuda/mma/weights_otf.cuh"  // split2 (fp16 hi + lo of a float pair)
#include "variants/cuda/wgmma/ptx.cuh"

namespace pb::cuda::wgmma {

struct Smem {
  uint64_t *full, *empty;  // per stage: its bytes landed / its rows relaid out
  uint64_t* weights;       // the tile's weight fragments landed (WArgs::stage_h, stage_v)
  float* lut;              // [3][256]
  uint8_t *relaid, *ring;  // [K/16 core-matrix columns][48 rows: 3 channels x 16][16 bytes]; stages x rows x slot
  uint8_t* wts;            // after the ring (+16 bytes of slack): horizontal, then vertical fragments
  __device__ Smem(unsigned char* s, const WArgs& A, int rows_per_stage)
      : full(reinterpret_cast<uint64_t*>(s)),
        empty(full + kMaxStages),
        weights(full + 2 * kMaxStages),
        lut(reinterpret_cast<float*>(s + 128)),
        relaid(s + 128 + 3 * 256 * 4),
        ring(relaid + 3 * kChunk * A.kmax),
        wts(ring + size_t(A.stages) * rows_per_stage * A.slot_bytes + 16) {}
};

// The first byte of staged row (channel c, source row r) in global memory: column k0 of the tile.
template <bool kChw>
__device__ __forceinline__ uintptr_t row_start(const DevJob& j, const WTile& tl, int c, int r) {
  const uintptr_t src = reinterpret_cast<uintptr_t>(j.src);
  return kChw ? src + (size_t(c) * j.src_h + r) * j.src_w + tl.k0 : src + (size_t(r) * j.src_w + tl.k0) * 3;
}

// Producer: chunk ci's rows into ring stage ci % stages. Each lane arrives once per stage with the bytes its bulk
// copies will bring; a row whose 16-byte-rounded span would leave the image buffer is copied byte by byte instead
// (generic stores, released by the arrival).
template <int kLimbs, bool kChw>
__device__ void produce(const WArgs& A, const Smem& S, const DevJob& j, const WTile& tl, int lane) {
  constexpr int kRows = rows_per_stage(kChw);
  const int len = (kChw ? 32 : 96) * tl.nks;
  const uintptr_t lo = reinterpret_cast<uintptr_t>(j.src), hi = lo + size_t(3) * j.src_h * j.src_w;
  if (lane == 0 && (A.stage_h || A.stage_v)) {
    const uint32_t hb = A.stage_h ? uint32_t(tl.nks) * kLimbs * kConsumers * 16 : 0;
    const uint32_t vb = A.stage_v ? uint32_t(tl.chunks) * kRowBlocks * 32 * 16 : 0;
    mbar_arrive_expect_tx(S.weights, hb + vb);
    if (hb) bulk_copy(S.wts, A.hfrag + tl.hfrag0, hb, S.weights);
    if (vb) bulk_copy(S.wts + A.vbase, A.vfrag + tl.vfrag0, vb, S.weights);
  }
  for (int ci = 0; ci < tl.chunks; ++ci) {
    const int s = ci % A.stages;
    if (ci >= A.stages) mbar_wait(S.empty + s, (ci / A.stages - 1) & 1);
    uint8_t* stage = S.ring + size_t(s) * kRows * A.slot_bytes;
    uint32_t bytes = 0;
    for (int pass = 0; pass < 2; ++pass) {  // 0: count and copy the odd rows by hand; 1: issue the bulk copies
      if (pass == 1) mbar_arrive_expect_tx(S.full + s, bytes);
      for (int idx = lane; idx < kRows; idx += 32) {
        const int rr = idx % kChunk, r = tl.r0 + kChunk * ci + rr;
        if (r >= tl.r_end) continue;
        const uintptr_t a = row_start<kChw>(j, tl, idx / kChunk, r);
        const uintptr_t start = a & ~uintptr_t(15), end = (a + len + 15) & ~uintptr_t(15);
        uint8_t* slot = stage + size_t(idx) * A.slot_bytes;
        const bool bulk = start >= lo && end <= hi;
        if (pass == 0 && bulk) bytes += uint32_t(end - start);
        if (pass == 0 && !bulk)
          for (uintptr_t p = a > lo ? a : lo; p < a + len && p < hi; ++p) slot[p - start] = *reinterpret_cast<const uint8_t*>(p);
        if (pass == 1 && bulk) bulk_copy(slot, reinterpret_cast<const void*>(start), uint32_t(end - start), S.full + s);
      }
    }
  }
}

// Consumers: the landed chunk (rows of `stage`) into wgmma's K-major layout in `dst`, the three channels stacked
// along N: 16-byte unit (row n = 16 c + rr, column block q) at q * 768 + n * 16, i.e. core matrix (q, n / 8) at
// q * 768 + (n / 8) * 128. Consecutive threads take consecutive rows: conflict-free 16-byte stores.
template <bool kChw>
__device__ __forceinline__ void relayout(const WArgs& A, const uint8_t* stage, const DevJob& j, const WTile& tl,
                                         int ci, uint8_t* dst, int tid) {
  const int units = 3 * 2 * tl.nks * kChunk;  // 48 rows x K / 16
#pragma unroll 1
  for (int u = tid; u < units; u += kConsumers) {
    const int n = u % (3 * kChunk), q = u / (3 * kChunk), c = n / kChunk, rr = n % kChunk;
    const int r = tl.r0 + kChunk * ci + rr;
    uint4 v = make_uint4(0, 0, 0, 0);
    if (r < tl.r_end) {
      const int m = int(row_start<kChw>(j, tl, c, r) & 15);  // where the row's column k0 landed
      const uint8_t* row = stage + size_t(kChw ? c * kChunk + rr : rr) * A.slot_bytes;
      if constexpr (kChw) {
        const int o = m + 16 * q;
        uint32_t b[4];
        mma::realigned_smem<4>(row + o, b);
        v = make_uint4(b[0], b[1], b[2], b[3]);
      } else {
        const int o = m + 48 * q;  // 16 interleaved pixels: 48 bytes
        uint32_t px[12];
        mma::realigned_smem<12>(row + o, px);
        v = make_uint4(mma::gather_channel(px, c), mma::gather_channel(px + 3, c), mma::gather_channel(px + 6, c),
                       mma::gather_channel(px + 9, c));
      }
    }
    *reinterpret_cast<uint4*>(dst + q * 768 + n * 16) = v;
  }
}

template <int kLimbs>
__device__ __forceinline__ void load_a(uint4 (&a)[kLimbs], const uint4* hf, int ks) {
#pragma unroll
  for (int l = 0; l < kLimbs; ++l) a[l] = hf[(ks * kLimbs + l) * kConsumers];  // shared or global memory
}

template <int kLimbs>
__device__ __forceinline__ void fence_a(uint4 (&a)[kLimbs]) {
#pragma unroll
  for (int l = 0; l < kLimbs; ++l) {
    fence_operand(a[l].x);
    fence_operand(a[l].y);
    fence_operand(a[l].z);
    fence_operand(a[l].w);
  }
}

// One k-step of the horizontal product, every limb, as one wgmma group: B = 32 columns of the relaid-out chunk
// (LBO: the next 16 columns, 768 bytes on; SBO: the next 8 rows, 128 bytes on).
template <int kLimbs>
__device__ __forceinline__ void issue_h(int (&acc)[kLimbs][24], const uint4 (&a)[kLimbs], const uint8_t* buf, int ks) {
  const uint64_t desc = smem_desc(buf + ks * 1536, 768, 128);
#pragma unroll
  for (int l = 0; l < kLimbs; ++l) wgmma_s8u8_n48(acc[l], a[l], desc, 1);
  wgmma_commit();
}

template <int kLimbs, DstLayout kLayout, bool kChw, typename T>
__device__ void consume(const WArgs& A, const Smem& S, const DevJob& j, const WTile& tl, int tid, T* out) {
  static_assert(kLimbs >= 2, "the limb combine starts from the top two");
  constexpr int kRows = rows_per_stage(kChw);
  const int warp = tid / 32, lane = tid % 32, g = lane >> 2;
  // this thread's accumulator rows are output columns 16 warp + g and + 8: their lowest limb's scale
  const float sc[2] = {A.scales[tl.scale0 + 16 * warp + g], A.scales[tl.scale0 + 16 * warp + g + 8]};
  const uint4* hf = (A.stage_h ? reinterpret_cast<const uint4*>(S.wts) : A.hfrag + tl.hfrag0) + tid;
  const uint4* vf0 = A.stage_v ? reinterpret_cast<const uint4*>(S.wts + A.vbase) : A.vfrag + tl.vfrag0;
  if (A.stage_h || A.stage_v) mbar_wait(S.weights, 0);
  float vacc[3][kRowBlocks][4] = {};
  for (int ci = 0; ci < tl.chunks; ++ci) {
    const int s = ci % A.stages;
    mbar_wait(S.full + s, (ci / A.stages) & 1);
    const uint8_t* stage = S.ring + size_t(s) * kRows * A.slot_bytes;
    const unsigned mask = A.masks[tl.mask0 + ci];
    const uint4* vf = vf0 + size_t(ci) * kRowBlocks * 32 + lane;
    if (ci > 0) consumers_sync();  // every warp has retired the last chunk's wgmmas: the buffer may be rewritten
    relayout<kChw>(A, stage, j, tl, ci, S.relaid, tid);
    // this thread's reads of the stage are done: the producer refills it once every consumer has arrived. Each
    // thread arrives itself (not one after the barrier below) so that the reads are ordered before the refill by
    // the mbarrier alone, which compute-sanitizer's racecheck follows (through bar.sync and one arrival it
    // reported every refill as a hazard)
    mbar_arrive(S.empty + s);
    fence_proxy_async();  // the relaid-out bytes, to wgmma's (async) proxy
    consumers_sync();     // every consumer's units are written
    int acc[kLimbs][24];
#pragma unroll
    for (int l = 0; l < kLimbs; ++l)
#pragma unroll
      for (int i = 0; i < 24; ++i) {
        acc[l][i] = 0;
        fence_operand(acc[l][i]);  // the zeros are defined before the fence, not sunk into the wgmma sequence
      }
    // A fragments of k-step ks in a[ks & 1]. PTX leaves a wgmma's A registers undefined to touch before a
    // wait_group covering it, and nvcc may give a dead register to a new value: so a set is kept alive (fenced)
    // until the wait that retires its wgmmas, and only then reloaded. Two groups are in flight at most.
    uint4 a[2][kLimbs];
    load_a(a[0], hf, 0);
#pragma unroll
    for (int l = 0; l < kLimbs; ++l) a[1][l] = make_uint4(0, 0, 0, 0);
    wgmma_fence();
#pragma unroll 1
    for (int ks = 0; ks < tl.nks; ks += 2) {
      issue_h(acc, a[0], S.relaid, ks);
      if (ks + 1 < tl.nks) {
        wgmma_wait<1>();  // k-step ks - 1 (set 1) retired
        fence_a(a[1]);
        load_a(a[1], hf, ks + 1);
        issue_h(acc, a[1], S.relaid, ks + 1);
        if (ks + 2 < tl.nks) {
          wgmma_wait<1>();  // k-step ks (set 0) retired
          fence_a(a[0]);
          load_a(a[0], hf, ks + 2);
        }
      }
    }
    wgmma_wait<0>();
    fence_a(a[0]);
    fence_a(a[1]);
#pragma unroll
    for (int l = 0; l < kLimbs; ++l)
#pragma unroll
      for (int i = 0; i < 24; ++i) fence_operand(acc[l][i]);
#pragma unroll
    for (int c = 0; c < 3; ++c) {
      // acc[l][8 c + 4 b + e]: column 16 warp + g + 8 (e >> 1), channel c's chunk row 8 b + 2t + (e & 1). The
      // limbs combined as sum_l acc[l] 2^(7 (limbs - 1 - l)), times the lowest limb's scale: the top two in
      // integers (exact: setup bounds them below 2^31), then one rounding per further limb. Every scale is a power
      // of two, so this rounds exactly as the float32 sum top limb first of the CPU emulation
      // (tests/core/test_design_e_numerics.cpp), with 5 instructions per value instead of 8.
      float h[8];
#pragma unroll
      for (int i = 0; i < 8; ++i) {
        float v = __int2float_rn(acc[0][8 * c + i] * 128 + acc[1][8 * c + i]);
#pragma unroll
        for (int l = 2; l < kLimbs; ++l) v = __fmaf_rn(v, 128.f, __int2float_rn(acc[l][8 * c + i]));
        h[i] = v * sc[(i >> 1) & 1];
      }
      uint32_t ahi[4], alo[4];  // m16n8k16 A: (g, k 2t..), (g + 8, k 2t..), (g, k 8 + 2t..), (g + 8, k 8 + 2t..)
#pragma unroll
      for (int q = 0; q < 4; ++q) {
        const uint2 p = mma::split2(h[2 * q], h[2 * q + 1]);
        ahi[q] = p.x;
        alo[q] = p.y;
      }
#pragma unroll
      for (int nb = 0; nb < kRowBlocks; ++nb) {
        if (!((mask >> nb) & 1)) continue;
        const uint4 b = vf[nb * 32];  // hi b0, hi b1, lo b0, lo b1 (shared or global memory)
        mma::mma16816(vacc[c][nb], ahi, b.x, b.y);
        mma::mma16816(vacc[c][nb], ahi, b.z, b.w);
        mma::mma16816(vacc[c][nb], alo, b.x, b.y);
      }
    }
  }
  store_transposed<kLayout>(A.e, A.L, S.lut, j, tl.y, tl.x + 16 * warp, vacc, out);
}

template <int kLimbs, DstLayout kLayout, bool kChw, typename T>
__global__ void __launch_bounds__(kThreads, kBlocksPerSm) separable_wgmma_kernel(const WArgs A, T* __restrict__ out) {
#if defined(__CUDA_ARCH_FEAT_SM90_ALL)
  extern __shared__ __align__(128) unsigned char smem[];
  const Smem S(smem, A, rows_per_stage(kChw));
  const WTile tl = A.tiles[blockIdx.x];
  const DevJob j = A.jobs[tl.job];
  const int tid = threadIdx.x;
  if (tid == 0) {
    for (int s = 0; s < A.stages; ++s) {
      mbar_init(S.full + s, 32);  // the producer's lanes
      mbar_init(S.empty + s, kConsumers);  // every consumer thread, after its reads of the stage
    }
    mbar_init(S.weights, 1);  // the producer's lane 0
    mbar_init_fence();
  }
  if (A.e.mode != Mode::Float)
    for (int i = tid; i < 3 * 256; i += kThreads) S.lut[i] = A.hf_lut[i];
  __syncthreads();
  // the role as a warp-uniform value (a shuffle of lane 0's warp index): branched on threadIdx.x itself, ptxas sees
  // the consumers' wgmmas on a divergent path and serializes them
  if (__shfl_sync(0xffffffffu, tid / 32, 0) == kConsumers / 32) produce<kLimbs, kChw>(A, S, j, tl, tid - kConsumers);
  else consume<kLimbs, kLayout, kChw>(A, S, j, tl, tid, out);
#else
  __trap();  // built for sm_90a only; setup refuses other devices
#endif
}

}  // namespace pb::cuda::wgmma
