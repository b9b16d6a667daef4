#pragma once
// Design G (variants/cuda/cuda_separable_fewtap.cu): its compile-time shape, its tile, and the shared memory a tile
// needs; the bottom of variants/cuda/fewtap/, shared by the kernel and the host plan.
#include <cstddef>

#include "variants/auto_rule.hpp"  // kFewTapMaxTaps
#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda::fewtap {

constexpr int kMaxTaps = kFewTapMaxTaps;
constexpr long long kMaxImageBytes = (1LL << 31) - 64;  // the staging's byte offsets are 32-bit
constexpr size_t kPreferredSmem = 72 * 1024;  // per block: 3 blocks per SM (228 KB), where the tiles allow

struct FewTapTile {
  int job, y, x, th, tw;  // window rows [y, y + th), columns [x, x + tw)
  int r0, nr, c0, nc;     // the source window its taps read (rows past the image staged as zeros)
};

// Qwen2.5-VL's patch grid, compile-time (setup refuses another): the patch side, the merge window, the tile width
// (two merge windows), and the block (four row groups of a tile width of threads, one column each).
constexpr int kQwenP = 14, kQwenM = 2;
template <DstLayout kLayout>
__host__ __device__ constexpr int tile_w() { return kLayout == DstLayout::QwenPatches ? 2 * kQwenP * kQwenM : 64; }
constexpr int kGroups = 4;
template <DstLayout kLayout>
__host__ __device__ constexpr int block_threads() { return kGroups * tile_w<kLayout>(); }

// A staged row segment (CHW: one channel's nc bytes; HWC: the 3 nc interleaved bytes) is kept as the aligned words
// that cover it: seg_words(...) words, the segment starting (S & 3) bytes in.
__host__ __device__ inline int seg_words(const FewTapTile& t, bool chw) { return ((chw ? 1 : 3) * t.nc + 6) >> 2; }

// The vertical weights of a tile row, padded to whole float4s (read as such).
__host__ __device__ constexpr int vrow_floats(int kt) { return (kt + 3) & ~3; }

// A tile's record as the kernel fetches it (two tiles ahead): the tile and a copy of its job, whose source pointer
// is not used (the job table holds it: rebind re-points only that).
struct __align__(16) FewTapRec {
  FewTapTile t;
  int unused = 0;
  DevJob j;
};
static_assert(sizeof(FewTapRec) % 16 == 0, "records are fetched 16 bytes a thread");
constexpr int kRecWords = int(sizeof(FewTapRec) / 4);
constexpr int kLutWords = 3 * 256;  // the hf table

// Shared memory of the persistent block, in 4-byte words, each buffer a whole number of 16 bytes: the hf table and
// three tile records; two of each per-tile buffer (this tile's and the next one's, in flight): the staged source
// window as bytes [nr][3 or 1 segments][seg_words words], its segment table [nr][3 or 1] (int2: where a segment
// starts, how many words to load), the tile rows' vertical weights [th][vrow_floats(kT)] and first taps [th]; and
// one of: the window as floats (word i of the bytes as floats 4i..4i+3; later, on Qwen, the tile's patches in output
// order) and the horizontal pass's output [nr][3][kTW]. smem_of gives one tile's needs; the kernel's buffers are
// the largest of each over the plan's tiles (max_of).
struct FewTapSmem {
  int raw = 0, segs = 0, vw = 0, vt0 = 0, src = 0, hb = 0;
  size_t bytes() const {
    return (size_t(kLutWords) + 3 * kRecWords + 2 * size_t(raw + segs + vw + vt0) + size_t(src) + size_t(hb)) * 4;
  }
};
__host__ __device__ constexpr int round4(long long n) { return int((n + 3) & ~3LL); }
__host__ __device__ inline FewTapSmem smem_of(const FewTapTile& t, bool qwen, int tw, int kt, bool chw) {
  FewTapSmem s;
  const int segs = t.nr * (chw ? 3 : 1);
  s.raw = round4((long long)segs * seg_words(t, chw));
  s.segs = round4(2LL * segs);
  s.vw = round4((long long)t.th * vrow_floats(kt));
  s.vt0 = round4(t.th);
  const long long patches = qwen ? 3LL * kQwenP * kQwenP * (t.th / kQwenP) * (tw / kQwenP) : 0;
  s.src = round4(4LL * s.raw > patches ? 4LL * s.raw : patches);
  s.hb = round4(3LL * t.nr * tw);
  return s;
}
__host__ __device__ inline FewTapSmem max_of(const FewTapSmem& a, const FewTapSmem& b) {
  auto m = [](int x, int y) { return x > y ? x : y; };
  FewTapSmem s;
  s.raw = m(a.raw, b.raw), s.segs = m(a.segs, b.segs), s.vw = m(a.vw, b.vw), s.vt0 = m(a.vt0, b.vt0);
  s.src = m(a.src, b.src), s.hb = m(a.hb, b.hb);
  return s;
}

}  // namespace pb::cuda::fewtap
