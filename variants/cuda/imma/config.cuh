#pragma once
// Design F (issue 16; the budget in docs/design-log.md, session 10): its compile-time shape and the tables setup
// builds. The bottom of variants/cuda/imma/: everything else includes this.
#include <cstdint>

#include "variants/cuda/cuda_common.cuh"
#include "variants/cuda/transposed_tables.hpp"

namespace pb::cuda::imma {

// Four warps per block, 16 output columns each (the M of mma.sync m16n8k32): a tile of kTileW columns x kTileH
// rows (kRowBlocks n8 blocks of the vertical mma.sync). Source rows flow in chunks of kChunk (one k16 step of the
// vertical pass, two n8 row groups of the horizontal one).
constexpr int kWarps = 4, kThreads = 32 * kWarps;
constexpr int kTileW = 16 * kWarps, kTileH = 32, kRowBlocks = kTileH / 8, kChunk = 16;
constexpr int kVfragUnits = kRowBlocks * 32;  // a chunk's vertical fragments (uint4): one per thread
static_assert(kVfragUnits == kThreads, "each thread copies one unit of a chunk's vertical fragments");
// Staging slots (slots.cuh): up to kMaxSlots items per thread of the next chunk, kSlotWords words and a tag each.
constexpr int kMaxSlots = 2, kSlotWords = 15;
__host__ __device__ constexpr size_t slot_bytes(int nslots) { return size_t(nslots) * (kSlotWords + 1) * kThreads * 4; }
constexpr int kLimbs = 3;  // signed 7-bit limbs per horizontal weight, summed exactly in s32 (split_limbs_chained)
// Channels whose horizontal products run side by side, and the resident blocks per SM each kernel is built for
// (__launch_bounds__: the most its registers allow, near unspilled). With the weight limbs in registers (kRegA), one
// channel at a time: six mma.sync chains per warp (one per limb and row group) at 128 registers, 4 blocks of 4 warps
// per SM. Otherwise all three: six chains at ~164 registers, 3 blocks. The H200 A/B of both on both paths
// (docs/design-log.md, steps F2 and F3): one channel 8-14 % faster on the SigLIP batches that keep the limbs in
// registers, three channels 1.5-1.8x faster on large-n4, whose limbs are loaded per k-step; steps F5-F7 (session
// 12): the per-limb chains and the staging slots keep kRegA at 4 blocks.
__host__ __device__ constexpr int channels_together(bool reg_a) { return reg_a ? 1 : 3; }
__host__ __device__ constexpr int min_blocks(bool reg_a) { return reg_a ? 4 : 3; }
// kRegA: a plan whose every tile needs at most this many k32 steps keeps its weight limbs in registers for the
// whole tile (3 limbs x kRegSteps x 4 registers); wider ones read them per k-step (L1).
constexpr int kRegSteps = 2;

// One output tile of one job: window rows [y, y + kTileH), columns [x, x + kTileW).
struct ITile {
  int job, y, x;
  int r0, chunks;     // source rows [r0, r0 + kChunk chunks)
  int cb, nc;         // staged source columns [cb, cb + nc), those the taps read: nc a multiple of 16
  int nks;            // k32 steps of the horizontal product per warp
  int kb[kWarps];     // staged column of each warp's k = 0 (a multiple of 4: aligned 32-bit B loads)
  int hfrag0;         // first horizontal fragment (uint4): [warp][nks][kLimbs][32 lanes]
  int scale0;         // first of kTileW column scales (2^-shift)
  int vfrag0;         // first vertical fragment (uint4): [chunks][kRowBlocks][32 lanes]
};

struct IArgs : TransposedTables {
  const DevJob* jobs;
  const ITile* tiles;
  Epilogue e;
  DevLayout L;
};

}  // namespace pb::cuda::imma
