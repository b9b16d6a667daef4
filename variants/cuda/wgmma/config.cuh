#pragma once
// Design E (issue 16; the budget in docs/design-log.md): its compile-time shape and the tables setup builds. The
// bottom of variants/cuda/wgmma/: everything else includes this.
#include <cstdint>

#include "variants/cuda/cuda_common.cuh"
#include "variants/cuda/transposed_tables.hpp"

namespace pb::cuda::wgmma {

// One consumer warpgroup (warps 0-3: wgmma needs four aligned warps) and one producer warp (warp 4) per block.
constexpr int kConsumers = 128, kThreads = kConsumers + 32;
// Output tile: kTileW columns (wgmma's M = 64: 16 per consumer warp) x kTileH rows (2 n8 blocks of the vertical
// mma.sync: 16 rows, not 32, so that the vertical accumulators take 24 registers, not 48, and kBlocksPerSm blocks
// fit the register file at <= 128 registers per thread). Source rows flow in chunks of kChunk (one k16 step of the
// vertical pass); wgmma's N is the chunk's rows of all three channels, 3 kChunk = 48.
constexpr int kTileW = 64, kTileH = 16, kChunk = 16, kRowBlocks = kTileH / 8;
// Resident blocks per SM the kernel is built for (__launch_bounds__) and setup sizes shared memory for: the design
// is latency-bound (docs/design-log.md), so warps per SM, not work per block, is what it needs.
constexpr int kBlocksPerSm = 3;
// Shared memory one block may take so that kBlocksPerSm fit (228 KB per SM, 1 KB of it reserved per block).
constexpr int kSmemPerBlock = 228 * 1024 / kBlocksPerSm - 1024;
constexpr int kMaxStages = 4;  // depth of the ring of staged chunks (fewer when a chunk is large)
// Staged rows per chunk: one per channel and source row (CHW), or one interleaved row per source row (HWC).
__host__ __device__ constexpr int rows_per_stage(bool chw) { return chw ? 3 * kChunk : kChunk; }

// One output tile of one job: rows [y, y + kTileH), columns [x, x + kTileW) of the job's window.
struct WTile {
  int job, y, x;
  int r0, chunks;  // source rows [r0, r0 + kChunk * chunks)
  int r_end;       // rows at or past it are not staged (beyond the tile's taps or the image)
  int k0, nks;     // source columns [k0, k0 + 32 nks): the horizontal product's K
  int hfrag0;      // first horizontal weight fragment (uint4 units): [nks][limbs][kConsumers]
  int scale0;      // first of kTileW column scales (2^-shift of each column's limbs)
  int vfrag0;      // first vertical fragment (uint4 units): [chunks][kRowBlocks][32]
  int mask0;       // first of `chunks` bytes: which of the kRowBlocks row blocks a chunk's taps reach
};

struct WArgs : TransposedTables {
  const DevJob* jobs;
  const WTile* tiles;
  Epilogue e;
  DevLayout L;
  int stages;      // ring depth
  int slot_bytes;  // bytes per staged row (a multiple of 16, an odd number of 16-byte units)
  int kmax;        // the largest K of any tile: the size of a relaid-out chunk row
  // A tile's weight fragments copied into shared memory at its start (by the producer, one bulk copy each), so
  // that the k-steps read them there and not from L2: where they fit (vbase: where the vertical ones start)
  int stage_h, stage_v, vbase;
};

}  // namespace pb::cuda::wgmma
