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
// The start of shared memory: the strip's row-tile table (read by the threads that copy each chunk's fragments),
// then per stage and ring row what landed there (RowInfo).
constexpr int kAsyncMaxStages = 4, kAsyncMaxTiles = 16, kAsyncInfoAt = 256, kAsyncHeader = 1024;
static_assert(kAsyncMaxTiles * sizeof(RowTile) <= kAsyncInfoAt, "the header holds the longest strip's row tiles");
static_assert(kAsyncInfoAt + kAsyncMaxStages * 3 * kChunk * 4 <= kAsyncHeader, "and a row word per stage and row");
// Threads 0..kCopiers-1 copy source rows (kCopiers / rows per row, each a fixed row of every chunk), the others the
// fragments.
constexpr int kCopiers = 96;
static_assert(kCopiers % (3 * kChunk) == 0 && kCopiers % kChunk == 0 && kCopiers < kThreads, "copiers per row");
static_assert(kVfragUnits % (kThreads - kCopiers) == 0, "fragment units per copier");
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

// What landed in one ring row: the row's first byte at `off` (its address mod 16), bytes [lo, hi) copied; or the
// row is below the image (zeros). One word, written by the row's first copier, read by the widening.
struct RowInfo {
  static constexpr uint32_t kBelow = 0xffffffffu;
  uint32_t w;
  __device__ static uint32_t make(int off, int lo, int hi) { return uint32_t(off) | uint32_t(lo) << 4 | uint32_t(hi) << 16; }
  __device__ int off() const { return int(w & 15); }
  __device__ int lo() const { return int((w >> 4) & 0xfff); }
  __device__ int hi() const { return int(w >> 16); }
  __device__ bool below() const { return w == kBelow; }
  // the words [p & ~3, (p & ~3) + bytes) at slot byte p landed
  __device__ bool holds(int p, int bytes) const { return (p & ~3) >= lo() && (p & ~3) + bytes <= hi(); }
};

struct Ring {
  RowTile* rts;    // [nrt]: the strip's row tiles
  uint32_t* info;  // [stages][rows]: RowInfo words
  uint8_t* src;    // [stages][rows][rawstride]
  uint4* vfrag;    // [stages + 1][kVfragUnits]
  int stages, rawstride, rows;
  __device__ Ring(unsigned char* smem, unsigned char* after_stage, const MmaArgs& A, bool chw)
      : rts(reinterpret_cast<RowTile*>(smem)),
        info(reinterpret_cast<uint32_t*>(smem + kAsyncInfoAt)),
        src(after_stage),
        vfrag(reinterpret_cast<uint4*>(after_stage + size_t(A.stages) * ring_rows(chw) * A.rawstride)),
        stages(A.stages),
        rawstride(A.rawstride),
        rows(ring_rows(chw)) {}
  __device__ uint8_t* stage(int s) const { return src + size_t(s) * rows * rawstride; }
  __device__ uint32_t* row_info(int s) const { return info + s * rows; }
  __device__ uint4* frags(int f) const { return vfrag + size_t(f) * kVfragUnits; }
  // waits until chunk ci + 1 has landed, with chunks up to ci + stages issued (one commit group each)
  __device__ void wait_next() const {
    if (stages == 2) cp_async_wait<1>();
    else if (stages == 3) cp_async_wait<2>();
    else cp_async_wait<3>();
  }
};

// Where a chunk lives: source stage s = chunk % stages, fragment slot f = chunk % (stages + 1), advanced chunk by
// chunk (a modulo by the runtime stage count is ~20 instructions, and the widening asked for it per item).
struct RingSlot {
  int s = 0, f = 0;
  __device__ void advance(const Ring& R) {
    s = s + 1 == R.stages ? 0 : s + 1;
    f = f + 1 == R.stages + 1 ? 0 : f + 1;
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

// This thread's share of every chunk's copies, fixed for the strip: copier threads (tid < kCopiers) one ring row
// (channel and chunk row; HWC: chunk row) of each chunk and every per-th 16-byte segment of it, from its place; the
// others kVfragUnits / (kThreads - kCopiers) fragment units. Offsets are 32-bit from the row's aligned first byte in
// chunk 0 (the row steps by 16 source rows per chunk): 64-bit address arithmetic per copy was most of its cost.
struct CopyShare {
  uintptr_t a16;  // the 16-byte boundary at or below the row's first staged byte in chunk 0
  int o0;         // that byte, from a16
  int lo, hi;     // the image's 16-byte aligned interior, from a16
  // copiers per ring row, this thread's ring row and its place among them (recomputed: registers are short). The
  // division by 6 (HWC) is a multiply and shift: written as `/ per(chw)`, nvcc selected the divisor first and
  // emitted a generic unsigned division, twice per chunk (~30 instructions, SASS of 2026-12-02).
  static_assert(kCopiers / ring_rows(true) == 2 && kCopiers / ring_rows(false) == 6, "row() divides by 2 and 6");
  __device__ static int per(bool chw) { return kCopiers / ring_rows(chw); }
  __device__ static int row(bool chw) { return chw ? int(threadIdx.x >> 1) : int(threadIdx.x * 43u >> 8); }  // tid < 96
  __device__ static int place(bool chw) { return int(threadIdx.x) - row(chw) * per(chw); }
  __device__ CopyShare(const DevJob& j, const MmaTile& tl, bool chw) {
    const int i = row(chw);
    const uintptr_t a = ring_row_addr(j, i / kChunk, tl.r0 + i % kChunk, tl.cb, chw);
    const ImageSpan im(j);
    a16 = a & ~uintptr_t(15);
    o0 = int(a - a16);
    lo = int(intptr_t(im.lo - a16));
    hi = int(intptr_t(im.hi - a16));
  }
};

// Chunk ci into stage slot.s / fragment slot slot.f, as one commit group of this thread: the copier's row, the
// segments of it that lie inside the image's aligned interior (a row below the image copies nothing), its RowInfo;
// or the fragment units of the row tiles chunk ci feeds. Called by every thread, in order, for every chunk and for
// `stages` more past the last: those commit empty groups, so that each wait counts the same groups.
__device__ inline void issue_chunk(const MmaArgs& A, const Ring& R, const DevJob& j, const MmaTile& tl,
                                   const CopyShare& cs, RingSlot slot, int qpr, int ci, bool chw) {
  if (ci < tl.chunks) {
    if (threadIdx.x < kCopiers) {
      uint32_t info = RowInfo::kBelow;
      const int i = CopyShare::row(chw);
      if (tl.r0 + kChunk * ci + i % kChunk < j.src_h) {
        const int x0 = cs.o0 + ci * kChunk * j.src_w * (chw ? 1 : 3), base = x0 & ~15;
        const int lo = max(base, cs.lo), hi = min((x0 + ring_row_len(chw, qpr) + 15) & ~15, cs.hi);
        uint8_t* row = R.stage(slot.s) + i * R.rawstride - base;  // row + x: the slot of byte a16 + x
        const int per = CopyShare::per(chw);
        for (int x = lo + 16 * CopyShare::place(chw); x < hi; x += 16 * per)
          cp_async16(row + x, reinterpret_cast<const void*>(cs.a16 + x));
        info = RowInfo::make(x0 & 15, hi > lo ? lo - base : 0, hi > lo ? hi - base : 0);
      }
      if (CopyShare::place(chw) == 0) R.row_info(slot.s)[i] = info;
    } else {
      constexpr int kUnits = kVfragUnits / (kThreads - kCopiers);
      const int u0 = (threadIdx.x - kCopiers) * kUnits, p = u0 / kVfragTile;  // this thread's tile slot
      for (int m = p; m < tl.nrt; m += kStripOpen) {
        const RowTile rt = R.rts[m];
        if (ci >= rt.ks_lo && ci < rt.ks_hi) {
          const uint4* src = A.vfrag + rt.frag0 + size_t(ci - rt.ks_lo) * kVfragTile + (u0 - p * kVfragTile);
#pragma unroll
          for (int k = 0; k < kUnits; ++k) cp_async16(R.frags(slot.f) + u0 + k, src + k);
          break;
        }
      }
    }
  }
  cp_async_commit();
}

// Whether every row of chunk ci landed whole (no row below the image, none touching the image buffer's unaligned
// first or last bytes): its rows lie between the chunk's first row (channel 0) and its last (channel 2), so two
// compares decide it for the block. Most chunks do; the others take convert_chunk's checked path.
__device__ __forceinline__ bool chunk_landed_whole(const DevJob& j, const MmaTile& tl, const ImageSpan& im, int qpr,
                                                   int ci, bool chw) {
  const int r = tl.r0 + kChunk * ci;
  if (r + kChunk > j.src_h) return false;
  const uintptr_t first = ring_row_addr(j, 0, r, tl.cb, chw), last = ring_row_addr(j, chw ? 2 : 0, r + kChunk - 1, tl.cb, chw);
  return (first & ~uintptr_t(15)) >= im.lo && ((last + ring_row_len(chw, qpr) + 15) & ~uintptr_t(15)) <= im.hi;
}

// The landed chunk ci widened into the fp16 stage, items as stage_items. Where the whole chunk landed, each item's
// rows are realigned by their address mod 16 (computed, no RowInfo read and no per-item check: the checked path
// cost ~190 instructions per item, ncu, docs/design-log.md). Otherwise an item whose words did not land (the first
// or last bytes of an image whose buffer is not 16-byte aligned) is read from global memory as the strip kernel does
// (a warp-uniform branch), and rows below the image are zeros.
__device__ inline void convert_chunk(__half* dst, int sstride, const Ring& R, RingSlot slot, const DevJob& j,
                                     const MmaTile& tl, const ImageSpan& im, const ChunkItems& ch, int ci, bool chw) {
  const uint8_t* stage = R.stage(slot.s);
  if (chunk_landed_whole(j, tl, im, ch.qpr, ci, chw)) {
    // low 32 bits of the chunk's first row address: enough for the offsets mod 16
    const uint32_t a0 = uint32_t(ring_row_addr(j, 0, tl.r0 + kChunk * ci, tl.cb, chw));
    const uint32_t rowstep = chw ? j.src_w : 3 * j.src_w, plane = uint32_t(j.src_h) * j.src_w;
    for (int it = threadIdx.x; it < ch.items; it += kThreads) {
      int rr, q;
      ch.coords(it, rr, q);
      Item v;
      const uint32_t ar = a0 + uint32_t(rr) * rowstep;
      if (chw) {
#pragma unroll
        for (int c = 0; c < 3; ++c)
          realigned_smem<kItemWords>(stage + (c * kChunk + rr) * R.rawstride + ((ar + c * plane) & 15) + kItemCols * q,
                                     v.v[c]);
      } else {
        uint32_t w[3 * kItemWords];
        realigned_smem<3 * kItemWords>(stage + rr * R.rawstride + (ar & 15) + 3 * kItemCols * q, w);
#pragma unroll
        for (int c = 0; c < 3; ++c)
#pragma unroll
          for (int k = 0; k < kItemWords; ++k) v.v[c][k] = gather_channel(w + 3 * k, c);
      }
      put_item(dst, sstride, rr, q, v);
    }
    return;
  }
  const uint32_t* info = R.row_info(slot.s);
  constexpr int kNeed = 4 * (kItemWords + 1), kNeedHwc = 4 * (3 * kItemWords + 1);  // bytes an item reads
  for (int it = threadIdx.x; it < ch.items; it += kThreads) {
    int rr, q;
    ch.coords(it, rr, q);
    Item v = {};
    if (chw) {
      const RowInfo e[3] = {{info[rr]}, {info[kChunk + rr]}, {info[2 * kChunk + rr]}};
      const bool below = e[0].below();
      bool in = true;
#pragma unroll
      for (int c = 0; c < 3; ++c) in &= e[c].holds(e[c].off() + kItemCols * q, kNeed);
      if (__all_sync(__activemask(), below || in)) {
        if (!below)
#pragma unroll
          for (int c = 0; c < 3; ++c)
            realigned_smem<kItemWords>(stage + (c * kChunk + rr) * R.rawstride + e[c].off() + kItemCols * q, v.v[c]);
      } else {
        v = fetch_item(j, tl.r0 + kChunk * ci + rr, tl.cb + kItemCols * q, true);
      }
    } else {
      const RowInfo e{info[rr]};
      const int p = e.off() + 3 * kItemCols * q;
      if (__all_sync(__activemask(), e.below() || e.holds(p, kNeedHwc))) {
        if (!e.below()) {
          uint32_t w[3 * kItemWords];
          realigned_smem<3 * kItemWords>(stage + rr * R.rawstride + p, w);
#pragma unroll
          for (int c = 0; c < 3; ++c)
#pragma unroll
            for (int k = 0; k < kItemWords; ++k) v.v[c][k] = gather_channel(w + 3 * k, c);
        }
      } else {
        v = fetch_item(j, tl.r0 + kChunk * ci + rr, tl.cb + kItemCols * q, false);
      }
    }
    put_item(dst, sstride, rr, q, v);
  }
}

}  // namespace pb::cuda::mma
