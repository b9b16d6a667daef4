#pragma once
// Design F (issue 16; the budget in docs/design-log.md, session 10): its compile-time shape and the tables setup
// builds. The bottom of variants/cuda/imma/: everything else includes this.
#include <cstdint>

#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda::imma {

// Four warps per block, 16 output columns each (the M of mma.sync m16n8k32): a tile of kTileW columns x kTileH
// rows (kRowBlocks n8 blocks of the vertical mma.sync). Source rows flow in chunks of kChunk (one k16 step of the
// vertical pass, two n8 row groups of the horizontal one).
constexpr int kWarps = 4, kThreads = 32 * kWarps;
constexpr int kTileW = 16 * kWarps, kTileH = 32, kRowBlocks = kTileH / 8, kChunk = 16;
constexpr int kLimbs = 3;  // signed 7-bit limbs per horizontal weight, chained in one s32 accumulator
// Channels whose horizontal products run side by side (PB_IMMA_CHANNELS, the build-time ablation): 3 gives six
// independent mma.sync chains per warp, at ~160 registers (3 blocks of 4 warps per SM); 1 gives two, at 128
// (4 blocks), with the weight limbs kept in registers. docs/design-log.md has the measurement.
#ifndef PB_IMMA_CHANNELS
#define PB_IMMA_CHANNELS 3
#endif
constexpr int kChannels = PB_IMMA_CHANNELS;
static_assert(kChannels == 1 || kChannels == 3, "one channel at a time, or all three");
// Resident blocks per SM the kernel is built for (__launch_bounds__): the most that its registers allow unspilled.
constexpr int kMinBlocks = kChannels == 3 ? 3 : 4;
// kRegA: a plan whose every tile needs at most this many k32 steps keeps its weight limbs in registers for the
// whole tile (3 limbs x kRegSteps x 4 registers); wider ones read them per k-step (L1).
constexpr int kRegSteps = 2;

// One output tile of one job: window rows [y, y + kTileH), columns [x, x + kTileW).
struct ITile {
  int job, y, x;
  int r0, chunks;     // source rows [r0, r0 + kChunk chunks)
  int cb, nc;         // staged source columns [cb, cb + nc): nc a multiple of 16
  int nks;            // k32 steps of the horizontal product per warp
  int kb[kWarps];     // staged column of each warp's k = 0 (a multiple of 4: aligned 32-bit B loads)
  int hfrag0;         // first horizontal fragment (uint4): [warp][nks][kLimbs][32 lanes]
  int scale0;         // first of kTileW column scales (2^-shift)
  int vfrag0;         // first vertical fragment (uint4): [chunks][kRowBlocks][32 lanes]
  int mask0;          // first of `chunks` bytes: which row blocks a chunk's taps reach
};

struct IArgs {
  const DevJob* jobs;
  const ITile* tiles;
  const uint4 *hfrag, *vfrag;
  const float* scales;
  const uint8_t* masks;
  const float* hf_lut;
  Epilogue e;
  DevLayout L;
};

}  // namespace pb::cuda::imma
