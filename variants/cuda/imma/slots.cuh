#pragma once
// Design F's staging ahead (variants/cuda/imma/, step F7 in docs/design-log.md): a thread's first `nslots` items
// of the next chunk land in shared memory as the aligned words that hold them, by 4-byte cp.async, while this
// chunk is resampled; no register holds them across the passes (F5's prefetch into registers cost F 168 registers,
// and the items beyond it were fetched after the passes, with every warp waiting at the chunk's barrier for them).
// A tag word per item says how to realign them: the byte offset of each plane's first byte, or that the item lies
// below the image (zeros) or needs the byte-wise path (image edges: fetched then, by mma::fetch_item). After the
// passes each thread realigns its own slots into the stage; words and tags are laid out [slot][word][thread], so
// that the copies and the reads of a warp fall on 32 consecutive banks.
#include "variants/cuda/async_copy.cuh"
#include "variants/cuda/imma/config.cuh"
#include "variants/cuda/mma/staging.cuh"

namespace pb::cuda::imma {

static_assert(kSlotWords == 3 * (mma::kItemWords + 1), "a slot: 3 planes x 5 words (CHW), 13 words (HWC)");
constexpr uint32_t kTagBelow = 1u << 8, kTagBytes = 1u << 9;

__device__ __forceinline__ uint32_t* slot_word(uint32_t* slots, int k, int i) {
  return slots + (size_t(k) * (kSlotWords + 1) + i) * kThreads + threadIdx.x;
}

// Slot k of this thread: the item of source row r, staged column col. The bounds test is mma::fetch_item's, written
// out again: fetch_item built on a shared helper changed the strip kernel's SASS and cost it 4 % on large-n4
// (results/2026-12-03-h200-f5/README.md), so it keeps its own.
__device__ __forceinline__ void issue_slot(uint32_t* slots, int k, const DevJob& j, int r, int col, bool chw) {
  constexpr int kW = mma::kItemWords;
  const size_t plane = size_t(j.src_h) * j.src_w;
  const uintptr_t lo = reinterpret_cast<uintptr_t>(j.src), hi = lo + 3 * plane;
  const uintptr_t a = chw ? lo + size_t(r) * j.src_w + col : lo + (size_t(r) * j.src_w + col) * 3;
  const uintptr_t last =
      chw ? ((a + 2 * plane) & ~uintptr_t(3)) + 4 * (kW + 1) : (a & ~uintptr_t(3)) + 4 * (3 * kW + 1);
  const bool below = r >= j.src_h;
  uint32_t tag = 0;
  if (!__all_sync(__activemask(), below || ((a & ~uintptr_t(3)) >= lo && last <= hi))) {
    tag = kTagBytes;
  } else if (below) {
    tag = kTagBelow;
  } else if (chw) {
#pragma unroll
    for (int c = 0; c < 3; ++c) {
      const uintptr_t ac = a + c * plane;
      const uint32_t* w = reinterpret_cast<const uint32_t*>(ac & ~uintptr_t(3));
#pragma unroll
      for (int i = 0; i <= kW; ++i) cp_async4(slot_word(slots, k, c * (kW + 1) + i), w + i);
      tag |= uint32_t(ac & 3) << (2 * c);
    }
  } else {
    const uint32_t* w = reinterpret_cast<const uint32_t*>(a & ~uintptr_t(3));
#pragma unroll
    for (int i = 0; i <= 3 * kW; ++i) cp_async4(slot_word(slots, k, i), w + i);
    tag = uint32_t(a & 3);
  }
  *slot_word(slots, k, kSlotWords) = tag;
}

// N words realigned by sel from slot k's N + 1 words from word i0.
template <int N>
__device__ __forceinline__ void realigned_slot(uint32_t* slots, int k, int i0, unsigned sel, uint32_t* out) {
  uint32_t prev = *slot_word(slots, k, i0);
#pragma unroll
  for (int i = 0; i < N; ++i) {
    const uint32_t nx = *slot_word(slots, k, i0 + i + 1);
    out[i] = __byte_perm(prev, nx, sel);
    prev = nx;
  }
}

// Slot k realigned (its copies landed: cp.async waited for by this thread), as mma::fetch_item returns the item.
__device__ __forceinline__ mma::Item take_slot(uint32_t* slots, int k, const DevJob& j, int r, int col, bool chw) {
  constexpr int kW = mma::kItemWords;
  const uint32_t tag = *slot_word(slots, k, kSlotWords);
  if (tag & kTagBytes) return mma::fetch_item(j, r, col, chw);  // warp-uniform: the test was
  mma::Item it = {};
  if (tag & kTagBelow) return it;
  if (chw) {
#pragma unroll
    for (int c = 0; c < 3; ++c)
      realigned_slot<kW>(slots, k, c * (kW + 1), 0x3210u + 0x1111u * ((tag >> (2 * c)) & 3), it.v[c]);
  } else {
    uint32_t w[3 * kW];
    realigned_slot<3 * kW>(slots, k, 0, 0x3210u + 0x1111u * (tag & 3), w);
#pragma unroll
    for (int c = 0; c < 3; ++c)
#pragma unroll
      for (int i = 0; i < kW; ++i) it.v[c][i] = mma::gather_channel(w + 3 * i, c);
  }
  return it;
}

// f(k, rr, q) for this thread's slots k < nslots of a chunk (items threadIdx.x + k kThreads).
template <typename F>
__device__ __forceinline__ void each_slot(const mma::ChunkItems& ch, int nslots, F&& f) {
#pragma unroll
  for (int k = 0; k < kMaxSlots; ++k) {
    const int it = threadIdx.x + k * kThreads;
    if (k < nslots && it < ch.items) {
      int rr, q;
      ch.coords(it, rr, q);
      f(k, rr, q);
    }
  }
}

}  // namespace pb::cuda::imma
