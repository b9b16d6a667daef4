#pragma once
// Design F (issue 16; budget and measurements in docs/design-log.md): separable resize with the horizontal pass on
// the int8 tensor cores through mma.sync, one launch for the ragged batch, one block per output tile (kTileW x
// kTileH of one job), four warps of 16 output columns each. Per chunk of kChunk source rows (three channels):
//   1. staging: the chunk's rows, realigned to the tile's first staged column, as raw uint8 (aligned word loads
//      and byte permutes, one 16-byte store per 16 columns and channel; HWC deinterleaved here), double-buffered:
//      while this chunk is resampled, the next one's first items per thread and its vertical fragments land in
//      shared memory by cp.async (slots.cuh), to be realigned after the passes (any further items are fetched then);
//   2. horizontal pass, transposed: mma.sync m16n8k32 s8 x u8 -> s32, A = the warp's 16 output columns x 32
//      source columns of weight limbs, B = 32 source columns x 8 source rows, which are two aligned 32-bit shared
//      loads per lane (no relayout, no fp16 stage). The three limbs' products combine as (l0 << 14) + (l1 << 7) + l2
//      (accumulated apart where the limbs sit in registers, else chained in one accumulator shifted 7 bits before
//      each next limb), the exact s32 sum of source x 21-bit weight (setup bounds it: split_limbs_chained);
//   3. the accumulator (16 columns x 8 rows, twice) is the A fragment of the vertical m16n8k16 after one I2F, the
//      column's power-of-two scale and an fp16 hi + lo split in registers;
//   4. vertical pass: hi x hi, hi x lo, lo x hi against the chunk's vertical weights, per 8-row block it reaches;
//   then the epilogue straight from the (transposed) accumulators.
#include "variants/cuda/imma/slots.cuh"     // the next chunk's items, staged ahead by cp.async
#include "variants/cuda/mma/weights_otf.cuh"  // split2
#include "variants/cuda/transposed_store.cuh"

namespace pb::cuda::imma {

static_assert(mma::kThreads == kThreads && mma::kChunk == kChunk && mma::kItemCols == 16,
              "F stages with the mma designs' items: one 16-column row piece per item, kThreads threads");

__device__ __forceinline__ void imma16832(int (&c)[4], const uint4& a, uint32_t b0, uint32_t b1) {
  asm("mma.sync.aligned.m16n8k32.row.col.s32.s8.u8.s32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+r"(c[0]), "+r"(c[1]), "+r"(c[2]), "+r"(c[3])
      : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "r"(b0), "r"(b1));
}

__device__ __forceinline__ uint32_t lds32(const uint8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

// C <<= 7 before the next limb (as unsigned: the s32 sum is exact modulo 2^32 and ends inside s32)
__device__ __forceinline__ void shift_limb(int (&acc)[2][4]) {
#pragma unroll
  for (int rg = 0; rg < 2; ++rg)
#pragma unroll
    for (int e = 0; e < 4; ++e) acc[rg][e] = int(unsigned(acc[rg][e]) << 7);
}

__device__ __forceinline__ void put_raw(uint8_t* stage, int sstride, int rr, int q, const mma::Item& it) {
#pragma unroll
  for (int c = 0; c < 3; ++c)
    *reinterpret_cast<uint4*>(stage + (c * kChunk + rr) * sstride + 16 * q) =
        make_uint4(it.v[c][0], it.v[c][1], it.v[c][2], it.v[c][3]);
}

// The horizontal product of the staged chunk for this warp, kCh channels from the one at brow (this lane's first
// B word there: row g, column kb + 4t): acc[c][rg] = output columns g, g + 8 x chunk rows 8 rg + 2t, + 1 of channel
// c. kRegA: one channel, the limbs from registers, both steps' B words read once for all limbs (two mma.sync
// chains). Otherwise the limbs loaded per k-step, all three channels side by side (six independent chains), the B
// words read again for each limb.
template <bool kRegA, int kCh>
__device__ __forceinline__ void horizontal(int (&acc)[kCh][2][4], const uint4 (&areg)[kRegSteps][kLimbs],
                                           const uint4* hf, const uint8_t* brow, int sstride, int nks) {
#pragma unroll
  for (int c = 0; c < kCh; ++c)
#pragma unroll
    for (int rg = 0; rg < 2; ++rg)
#pragma unroll
      for (int e = 0; e < 4; ++e) acc[c][rg][e] = 0;
  static_assert(!kRegA || kCh == 1, "limbs in registers leave room for one channel's chains (config.cuh)");
  if constexpr (kRegA) {  // the B words of both steps read once, the limbs from registers
    // every step, also past nks (zero limbs and words there): a predicated mma.sync costs a WARPSYNC and a NOP
    uint32_t b[kRegSteps][2][2];
#pragma unroll
    for (int ks = 0; ks < kRegSteps; ++ks)
#pragma unroll
      for (int rg = 0; rg < 2; ++rg) {
        const uint8_t* p = brow + 8 * rg * sstride + 32 * ks;
        b[ks][rg][0] = ks < nks ? lds32(p) : 0u;
        b[ks][rg][1] = ks < nks ? lds32(p + 16) : 0u;
      }
    // one accumulator per limb: six independent chains of kRegSteps mma.sync (chained in one accumulator, the
    // limbs made chains of 3 kRegSteps: ncu, F4's IMMAs and the NOPs between them held 28 % of its fixed-latency
    // stalls), combined as acc = (l0 << 14) + (l1 << 7) + l2, the value the chained accumulator ends with
    int part[kLimbs][2][4] = {};
#pragma unroll
    for (int ks = 0; ks < kRegSteps; ++ks)
#pragma unroll
      for (int l = 0; l < kLimbs; ++l)
#pragma unroll
        for (int rg = 0; rg < 2; ++rg) imma16832(part[l][rg], areg[ks][l], b[ks][rg][0], b[ks][rg][1]);
#pragma unroll
    for (int rg = 0; rg < 2; ++rg)
#pragma unroll
      for (int e = 0; e < 4; ++e) {
        unsigned v = unsigned(part[0][rg][e]);
#pragma unroll
        for (int l = 1; l < kLimbs; ++l) v = (v << 7) + unsigned(part[l][rg][e]);
        acc[0][rg][e] = int(v);
      }
  } else {
#pragma unroll
    for (int l = 0; l < kLimbs; ++l) {
      if (l > 0)
#pragma unroll
        for (int c = 0; c < kCh; ++c) shift_limb(acc[c]);
#pragma unroll 1
      for (int ks = 0; ks < nks; ++ks) {
        const uint4 a = __ldg(hf + (ks * kLimbs + l) * 32);
#pragma unroll
        for (int c = 0; c < kCh; ++c)
#pragma unroll
          for (int rg = 0; rg < 2; ++rg) {
            const uint8_t* p = brow + (c * kChunk + 8 * rg) * sstride + 32 * ks;
            imma16832(acc[c][rg], a, lds32(p), lds32(p + 16));
          }
      }
    }
  }
}

// chw, sstride and nslots (staging slots per thread: staging_slots) are kernel parameters of their own (as in
// cuda_separable_mma: kept in registers).
template <DstLayout kLayout, bool kRegA, typename T>
__global__ void __launch_bounds__(kThreads, min_blocks(kRegA))
separable_imma_kernel(const IArgs A, bool chw, int sstride, int nslots, T* __restrict__ out) {
  constexpr int kChannels = channels_together(kRegA);
  extern __shared__ __align__(16) unsigned char smem[];
  float* lut = reinterpret_cast<float*>(smem);
  uint8_t* stage0 = smem + 3 * 256 * 4;
  const int stage_bytes = 3 * kChunk * sstride;
  if (A.e.mode != Mode::Float)
    for (int i = threadIdx.x; i < 3 * 256; i += kThreads) lut[i] = A.hf_lut[i];
  const ITile tl = A.tiles[blockIdx.x];
  const DevJob j = A.jobs[tl.job];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const bool active = tl.x + 16 * warp < j.w;
  const int kb = A.tiles[blockIdx.x].kb[warp];  // from memory: tl.kb[warp] would put tl in local memory
  const uint4* hf = A.hfrag + tl.hfrag0 + size_t(warp) * tl.nks * kLimbs * 32 + lane;
  const float sc0 = active ? A.scales[tl.scale0 + 16 * warp + g] : 0.f;
  const float sc1 = active ? A.scales[tl.scale0 + 16 * warp + g + 8] : 0.f;
  uint4 areg[kRegSteps][kLimbs];
#pragma unroll
  for (int ks = 0; ks < kRegSteps; ++ks)
#pragma unroll
    for (int l = 0; l < kLimbs; ++l)
      areg[ks][l] = kRegA && active && ks < tl.nks ? __ldg(hf + (ks * kLimbs + l) * 32)
                                                                     : make_uint4(0, 0, 0, 0);

  // each chunk's vertical fragments, one 16-byte unit per thread, land in shared memory by cp.async a chunk ahead
  // (loaded per warp with the chunk's passes, their latency stalled the first vertical MMAs: ncu, F5)
  uint4* vsm = reinterpret_cast<uint4*>(stage0 + 2 * stage_bytes);
  uint32_t* slots = reinterpret_cast<uint32_t*>(vsm + 2 * kVfragUnits);
  const auto fetch_vfrag = [&](int ci) {
    cp_async16(vsm + (ci & 1) * kVfragUnits + threadIdx.x,
               A.vfrag + tl.vfrag0 + size_t(ci) * kVfragUnits + threadIdx.x);
    cp_async_commit();
  };
  fetch_vfrag(0);
  const mma::ChunkItems ch(tl.nc);
  mma::stage_items_by([&](int rr, int q, const mma::Item& it) { put_raw(stage0, sstride, rr, q, it); }, j, tl, ch, 0,
                      threadIdx.x, chw);
  cp_async_wait<0>();
  __syncthreads();

  float vacc[3][kRowBlocks][4] = {};
  for (int ci = 0; ci < tl.chunks; ++ci) {
    const bool next = ci + 1 < tl.chunks;
    const int r1 = tl.r0 + kChunk * (ci + 1);  // the next chunk's first source row
    if (next) {  // its slots and vertical fragments, one commit group
      each_slot(ch, nslots, [&](int k, int rr, int q) { issue_slot(slots, k, j, r1 + rr, tl.cb + 16 * q, chw); });
      fetch_vfrag(ci + 1);
    }
    if (active) {
      const uint8_t* brow = stage0 + (ci & 1) * stage_bytes + g * sstride + kb + 4 * t;
      const uint4* vf = vsm + (ci & 1) * kVfragUnits + lane;
      // hi b0, hi b1, lo b0, lo b1 of each row block, for all channels; zero where the chunk's taps do not reach,
      // and the mma.sync issued anyway (predicated, each would cost a WARPSYNC and a NOP)
      uint4 vb[kRowBlocks];
#pragma unroll
      for (int nb = 0; nb < kRowBlocks; ++nb) vb[nb] = vf[nb * 32];
#pragma unroll
      for (int c0 = 0; c0 < 3; c0 += kChannels) {
        int acc[kChannels][2][4];
        horizontal<kRegA>(acc, areg, hf, brow + c0 * kChunk * sstride, sstride, tl.nks);
#pragma unroll
        for (int cc = 0; cc < kChannels; ++cc) {
          const int c = c0 + cc;
          // m16n8k16 A: (g, k 2t..), (g + 8, k 2t..), (g, k 8 + 2t..), (g + 8, k 8 + 2t..); k = chunk row
          uint32_t ahi[4], alo[4];
#pragma unroll
          for (int q = 0; q < 4; ++q) {
            const int rg = q >> 1, e = 2 * (q & 1);
            const float s = (q & 1) ? sc1 : sc0;
            const uint2 p = mma::split2(__int2float_rn(acc[cc][rg][e]) * s, __int2float_rn(acc[cc][rg][e + 1]) * s);
            ahi[q] = p.x;
            alo[q] = p.y;
          }
          // block by block within each of the three products: four independent accumulator chains side by side
#pragma unroll
          for (int nb = 0; nb < kRowBlocks; ++nb) mma::mma16816(vacc[c][nb], ahi, vb[nb].x, vb[nb].y);
#pragma unroll
          for (int nb = 0; nb < kRowBlocks; ++nb) mma::mma16816(vacc[c][nb], ahi, vb[nb].z, vb[nb].w);
#pragma unroll
          for (int nb = 0; nb < kRowBlocks; ++nb) mma::mma16816(vacc[c][nb], alo, vb[nb].x, vb[nb].y);
        }
      }
    }
    cp_async_wait<0>();
    if (next) {  // the slots realigned into the other buffer, then the items beyond them (the mma designs' staging)
      uint8_t* stage = stage0 + ((ci + 1) & 1) * stage_bytes;
      each_slot(ch, nslots, [&](int k, int rr, int q) {
        put_raw(stage, sstride, rr, q, take_slot(slots, k, j, r1 + rr, tl.cb + 16 * q, chw));
      });
      mma::stage_items_by([&](int rr, int q, const mma::Item& it) { put_raw(stage, sstride, rr, q, it); }, j, tl, ch,
                          ci + 1, threadIdx.x + nslots * kThreads, chw);
    }
    __syncthreads();  // the next iteration reads what was staged, and then stages into the buffers read here
  }
  if (active) store_transposed<kLayout>(A.e, A.L, lut, j, tl.y, tl.x + 16 * warp, vacc, out);
}

}  // namespace pb::cuda::imma
