#pragma once
// Design G (variants/cuda/cuda_separable_fewtap.cu): its compile-time shape, its tile, and the shared memory a tile
// needs; the bottom of variants/cuda/fewtap/, shared by the kernel and the host plan.
#include <cstddef>

#include "variants/auto_rule.hpp"  // kFewTapMaxTaps
#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda::fewtap {

constexpr int kMaxTaps = kFewTapMaxTaps;
constexpr long long kMaxImageBytes = (1LL << 31) - 64;  // the staging's byte offsets are 32-bit
constexpr size_t kPreferredSmem = 64 * 1024;  // per block: 3 blocks per SM at least, where the tiles allow

struct FewTapTile {
  int job, y, x, th, tw;  // window rows [y, y + th), columns [x, x + tw)
  int r0, nr, c0, nc;     // the source window its taps read (rows past the image staged as zeros)
};

// Qwen2.5-VL's patch grid, compile-time (setup refuses another): the patch side, the merge window, the tile width
// (two merge windows), and the block: four row groups of 64 threads, one column each, so that no warp spans two
// groups (Qwen's 56 columns leave 8 threads of each group idle; a warp of two groups read rows 0-2 apart and had
// two-way bank conflicts on every shared access of both passes).
constexpr int kQwenP = 14, kQwenM = 2;
template <DstLayout kLayout>
__host__ __device__ constexpr int tile_w() { return kLayout == DstLayout::QwenPatches ? 2 * kQwenP * kQwenM : 64; }
constexpr int kGroups = 4, kLanes = 64;
template <DstLayout kLayout>
__host__ __device__ constexpr int block_threads() { return kGroups * kLanes; }

// A staged row segment (CHW: one channel's nc bytes; HWC: the 3 nc interleaved bytes) is kept as the aligned words
// that cover it, one float per byte: seg_words(...) words, the segment starting (S & 3) floats in.
__host__ __device__ inline int seg_words(const FewTapTile& t, bool chw) { return ((chw ? 1 : 3) * t.nc + 6) >> 2; }

// The vertical weights of a tile row, padded to whole float4s (read as such).
__host__ __device__ constexpr int vrow_floats(int kt) { return (kt + 3) & ~3; }

// Shared memory of a tile (floats): the hf table; the source window [nr][3 or 1 segments][4 seg_words] (later, on
// Qwen, the tile's patches in output order); the horizontal pass's output [nr][3][kTW]; the window's segment table
// [nr][3 or 1] (int2: where a segment starts, how many words to load); the tile rows' vertical weights
// [th][vrow_floats(kT)] and first taps [th].
struct FewTapSmem {
  size_t src, hbuf, segs, vtab;
  size_t bytes() const { return (3 * 256 + src + hbuf + segs + vtab) * sizeof(float); }
};
__host__ __device__ inline FewTapSmem smem_of(const FewTapTile& t, bool qwen, int tw, int kt, bool chw) {
  FewTapSmem s;
  s.src = size_t(t.nr) * (chw ? 3 : 1) * 4 * seg_words(t, chw);
  const size_t patches = size_t(3) * kQwenP * kQwenP * (t.th / kQwenP) * (tw / kQwenP);
  if (qwen && patches > s.src) s.src = patches;
  s.hbuf = size_t(3) * t.nr * tw;
  s.segs = size_t(2) * t.nr * (chw ? 3 : 1);
  s.vtab = size_t(t.th) * (vrow_floats(kt) + 1);
  return s;
}

}  // namespace pb::cuda::fewtap
