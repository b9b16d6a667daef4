#pragma once
// The source ring of cuda_separable_mma_async: each chunk's source rows, and the vertical weight fragments of the
// row tiles it feeds, land in shared memory by asynchronous 16-byte copies (cp.async, one commit group per chunk),
// `stages` chunks ahead of the passes. No register holds a chunk in flight (the strip kernel fetches the next chunk
// into registers, one chunk ahead: ncu put 46 % of its stall samples on those loads and the weights' loads,
// docs/design-log.md), and every thread issues an equal share of the copies. A landed chunk is widened to fp16
// (staging.cuh's put_item) into the one fp16 stage the passes read.
#include "variants/cuda/async_copy.cuh"
#include "variants/cuda/mma/staging.cuh"

namespace pb::cuda::mma {

// One chunk's vertical A fragments (hi, lo per lane) of the row tiles it feeds: at most kStripOpen, which are
// consecutive, so row tile m takes slot m % kStripOpen.
constexpr int kVfragTile = 32 * 2, kVfragUnits = kStripOpen * kVfragTile;  // uint4
static_assert(kVfragUnits <= kThreads, "one fragment unit per thread at most");
// The start of shared memory: the strip's row-tile table (read by the threads that copy each chunk's fragments).
constexpr int kAsyncMaxStages = 4, kAsyncMaxTiles = 16, kAsyncHeader = 256;
static_assert(kAsyncMaxTiles * sizeof(RowTile) <= kAsyncHeader, "the header holds the longest strip's row tiles");
static_assert(kStripMaxTiles <= kAsyncMaxTiles, "PB_MMA_STRIP_TILES allows 16 as well");

// Staged rows per chunk: one per channel and source row (CHW), or one per source row with its three channels (HWC).
__host__ __device__ constexpr int ring_rows(bool chw) { return chw ? 3 * kChunk : kChunk; }
// Bytes a staged row needs from its first staged column: whole staging items, plus the word that realigns the last.
__host__ __device__ constexpr int ring_row_len(bool chw, int qpr) { return (chw ? 1 : 3) * kItemCols * qpr + 4; }
// Bytes per ring row: a row lands from the 16-byte boundary at or below its first byte.
__host__ __device__ constexpr int ring_stride(bool chw, int qpr) { return (15 + ring_row_len(chw, qpr) + 15) / 16 * 16; }

// Dynamic shared memory of the async kernel: header, the epilogue table and intermediate (SmemLayout), one fp16
// stage, `stages` source stages, stages + 1 fragment slots (chunk ci + stages is issued while chunk ci's are read).
__host__ __device__ constexpr size_t async_smem_bytes(int sstride, bool chw, int rawstride, int stages) {
  return size_t(kAsyncHeader) + size_t(3) * 256 * 4 + size_t(2) * kHPlane * 2 + size_t(3) * kChunk * sstride * 2 +
         size_t(stages) * ring_rows(chw) * rawstride + size_t(stages + 1) * kVfragUnits * 16;
}

struct Ring {
  RowTile* rts;  // [nrt]: the strip's row tiles
  uint8_t* src;  // [stages][rows][rawstride]
  uint4* vfrag;  // [stages + 1][kVfragUnits]
  int stages, rawstride, rows, segs;  // segs: 16-byte segments per ring row
  float inv_segs;
  __device__ Ring(unsigned char* smem, unsigned char* after_stage, const MmaArgs& A, bool chw)
      : rts(reinterpret_cast<RowTile*>(smem)),
        src(after_stage),
        vfrag(reinterpret_cast<uint4*>(after_stage + size_t(A.stages) * ring_rows(chw) * A.rawstride)),
        stages(A.stages),
        rawstride(A.rawstride),
        rows(ring_rows(chw)),
        segs(A.rawstride / 16),
        inv_segs(1.0f / float(A.rawstride / 16)) {}
  __device__ uint8_t* stage(int ci) const { return src + size_t(ci % stages) * rows * rawstride; }
  __device__ uint4* frags(int ci) const { return vfrag + size_t(ci % (stages + 1)) * kVfragUnits; }
  // waits until chunk ci + 1 has landed, with chunks up to ci + stages issued (one commit group each)
  __device__ void wait_next() const {
    if (stages == 2) cp_async_wait<1>();
    else if (stages == 3) cp_async_wait<2>();
    else cp_async_wait<3>();
  }
};

// First byte of the staged row (channel c, source row r; HWC: all channels) in global memory: column col.
__device__ __forceinline__ uintptr_t ring_row_addr(const DevJob& j, int c, int r, int col, bool chw) {
  const uintptr_t s = reinterpret_cast<uintptr_t>(j.src);
  return chw ? s + (size_t(c) * j.src_h + r) * j.src_w + col : s + (size_t(r) * j.src_w + col) * 3;
}

// The image's 16-byte aligned interior [lo, hi): a 16-byte copy may only read inside it.
struct ImageSpan {
  uintptr_t lo, hi;
  __device__ explicit ImageSpan(const DevJob& j) {
    const uintptr_t s = reinterpret_cast<uintptr_t>(j.src);
    lo = (s + 15) & ~uintptr_t(15);
    hi = (s + size_t(3) * j.src_h * j.src_w) & ~uintptr_t(15);
  }
};

// Chunk ci into its stage, as one commit group of this thread: the 16-byte segments of every staged row that lie
// inside the image's aligned interior (rows below the image copy nothing), items tid, tid + kThreads, ..., and
// unit tid of the fragments of the row tiles chunk ci feeds. Called by every thread, in order, for every chunk and
// for `stages` more past the last: those commit empty groups, so that each wait counts the same groups.
__device__ inline void issue_chunk(const MmaArgs& A, const Ring& R, const DevJob& j, const MmaTile& tl, int qpr, int ci,
                                   bool chw) {
  if (ci >= tl.chunks) {
    cp_async_commit();
    return;
  }
  uint8_t* stage = R.stage(ci);
  const ImageSpan im(j);
  const int len = ring_row_len(chw, qpr);
  for (int idx = threadIdx.x; idx < R.rows * R.segs; idx += kThreads) {
    const int i = __float2int_rz((float(idx) + 0.5f) * R.inv_segs), k = idx - i * R.segs;  // exact for these sizes
    const int r = tl.r0 + kChunk * ci + i % kChunk;
    if (r >= j.src_h) continue;
    const uintptr_t a = ring_row_addr(j, i / kChunk, r, tl.cb, chw), seg = (a & ~uintptr_t(15)) + 16 * k;
    if (seg < a + len && seg >= im.lo && seg + 16 <= im.hi)
      cp_async16(stage + size_t(i) * R.rawstride + 16 * k, reinterpret_cast<const void*>(seg));
  }
  if (threadIdx.x < kVfragUnits) {
    const int p = threadIdx.x / kVfragTile, u = threadIdx.x % kVfragTile;
    for (int m = p; m < tl.nrt; m += kStripOpen) {
      const RowTile rt = R.rts[m];
      if (ci >= rt.ks_lo && ci < rt.ks_hi) {
        cp_async16(R.frags(ci) + threadIdx.x, A.vfrag + rt.frag0 + size_t(ci - rt.ks_lo) * kVfragTile + u);
        break;
      }
    }
  }
  cp_async_commit();
}

// N words from shared-memory byte p (any alignment), read as N + 1 aligned words realigned by prmt.
template <int N>
__device__ __forceinline__ void realigned_smem(const uint8_t* p, uint32_t* out) {
  const int o = int(reinterpret_cast<uintptr_t>(p) & 3);
  const uint32_t* w = reinterpret_cast<const uint32_t*>(p - o);
  const unsigned sel = 0x3210u + 0x1111u * unsigned(o);
  uint32_t prev = w[0];
#pragma unroll
  for (int k = 0; k < N; ++k) {
    const uint32_t next = w[k + 1];
    out[k] = __byte_perm(prev, next, sel);
    prev = next;
  }
}

// The landed chunk ci widened into the fp16 stage, items as stage_items. An item whose
// words fall outside the copied bytes (the first or last bytes of an image whose buffer is not 16-byte aligned) is
// read from global memory as the strip kernel does (a warp-uniform branch).
__device__ inline void convert_chunk(__half* dst, int sstride, const Ring& R, const DevJob& j, const MmaTile& tl,
                                     const ChunkItems& ch, int ci, bool chw) {
  const uint8_t* stage = R.stage(ci);
  const ImageSpan im(j);
  constexpr int kNeed = 4 * (kItemWords + 1), kNeedHwc = 4 * (3 * kItemWords + 1);  // bytes an item reads
  for (int it = threadIdx.x; it < ch.items; it += kThreads) {
    int rr, q;
    ch.coords(it, rr, q);
    const int r = tl.r0 + kChunk * ci + rr, col = tl.cb + kItemCols * q;
    const bool below = r >= j.src_h;
    Item v = {};
    if (chw) {
      // channels 0 and 2 bound the item's bytes from below and above
      const uintptr_t a0 = ring_row_addr(j, 0, r, tl.cb, true) + kItemCols * q;
      const uintptr_t a2 = ring_row_addr(j, 2, r, tl.cb, true) + kItemCols * q;
      const bool in = (a0 & ~uintptr_t(3)) >= im.lo && (a2 & ~uintptr_t(3)) + kNeed <= im.hi;
      if (__all_sync(__activemask(), below || in)) {
        if (!below) {
#pragma unroll
          for (int c = 0; c < 3; ++c) {
            const uintptr_t a = ring_row_addr(j, c, r, tl.cb, true);
            realigned_smem<kItemWords>(stage + (c * kChunk + rr) * R.rawstride + (a & 15) + kItemCols * q, v.v[c]);
          }
        }
      } else {
        v = fetch_item(j, r, col, true);
      }
    } else {
      const uintptr_t a = ring_row_addr(j, 0, r, tl.cb, false);
      const uintptr_t ai = a + 3 * kItemCols * q;
      const bool in = (ai & ~uintptr_t(3)) >= im.lo && (ai & ~uintptr_t(3)) + kNeedHwc <= im.hi;
      if (__all_sync(__activemask(), below || in)) {
        if (!below) {
          uint32_t w[3 * kItemWords];
          realigned_smem<3 * kItemWords>(stage + rr * R.rawstride + (a & 15) + 3 * kItemCols * q, w);
#pragma unroll
          for (int c = 0; c < 3; ++c)
#pragma unroll
            for (int k = 0; k < kItemWords; ++k) v.v[c][k] = gather_channel(w + 3 * k, c);
        }
      } else {
        v = fetch_item(j, r, col, false);
      }
    }
    put_item(dst, sstride, rr, q, v);
  }
}

}  // namespace pb::cuda::mma
