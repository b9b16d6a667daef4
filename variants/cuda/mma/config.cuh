#pragma once
// The tensor-core separable design's compile-time shape and the tables setup builds for its kernel. The bottom of
// variants/cuda/mma/: everything else includes this, this includes nothing of the folder.
#include <cstdint>

#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda::mma {

// Warps per block, one 8-column MMA tile each: the tile width. PB_MMA_WARPS is the build-time ablation of it (wider
// tiles stage fewer halo columns per output column but need more shared memory per block; docs/design-log.md).
#ifndef PB_MMA_WARPS
#define PB_MMA_WARPS 4
#endif
constexpr int kWarps = PB_MMA_WARPS, kThreads = 32 * kWarps;
constexpr int kTileW = 8 * kWarps, kTileH = 16;     // output tile per block (kTileH: a multiple of 16)
constexpr int kRowTiles = kTileH / 16, kChunk = 16;  // chunk: source rows per vertical k-step
// halves per intermediate row: an odd number of 16-byte chunks, so the 8 rows of an ldmatrix hit distinct banks
constexpr int kHStride = kTileW + 8;
static_assert((kHStride / 8) % 2 == 1, "intermediate rows must span an odd number of 16-byte chunks");
constexpr int kHPlane = 3 * kChunk * kHStride;  // halves per intermediate plane (hi or lo)
// Blocks per SM the register allocation must allow. At 1 the kernel took 132 registers and ran the headline in
// 0.260 ms; at 6, 80 registers and 0.173 ms; at 8 it spilled (0.190 ms). Measured on the H100, docs/design-log.md.
constexpr int kMinBlocks = 6;
// Source columns per staging item: each item pays its coordinates, addresses and bounds vote once, so 16 columns
// beat 8 (headline 0.147 -> 0.137 ms, SigLIP large 0.35 -> 0.29 ms). kPrefetch items per thread (16 columns'
// worth) are fetched into registers ahead, while the previous chunk is resampled.
constexpr int kItemCols = 16, kItemWords = kItemCols / 4, kPrefetch = 16 / kItemCols;
static_assert(kItemCols == 8 || kItemCols == 16, "staging items are 8 or 16 columns");

struct MmaJob {
  int hfrag0 = 0;  // this job's first horizontal fragment (uint4 units)
  int ntile0 = 0;  // this job's first 8-column tile in hcol0
  int n_kh = 1;    // horizontal k-steps (16 source columns) per column tile
};

// One 16-row tile of a block: its vertical fragments cover k-steps [ks_lo, ks_hi) of the block's chunks.
struct RowTile {
  int frag0 = 0, ks_lo = 0, ks_hi = 0;  // frag0 in uint4 units; ks_hi = 0 for a tile below the window
};

struct MmaTile {
  int job, y, x;    // window rows [y, y + kTileH), columns [x, x + kTileW)
  int r0, chunks;   // source rows [r0, r0 + 16 chunks)
  int cb, nc;       // staged source columns [cb, cb + nc), multiples of 8
  int rtile0;       // its kRowTiles entries in the row-tile table
  int nrt = 1;      // strip tiles (kStrip): window rows [y, y + 16 nrt), nrt entries in the row-tile table
};

// Strip tiles (cuda_separable_mma_strip): a block takes nrt consecutive 16-row tiles of one column tile and
// streams their source chunks once, each chunk resampled horizontally once for all the row tiles it feeds; the
// vertical accumulators of the row tiles a chunk feeds (at most kStripOpen) stay in registers. The host ends a
// strip where a chunk would feed more (upscales: ~1 + 1.25 / scale row tiles per chunk) or at the plan's length:
// kStripMinTiles..kStripMaxTiles (the H200 ablation in docs/design-log.md), else one tile per block.
constexpr int kStripOpen = 2, kStripMinTiles = 3, kStripMaxTiles = 4;
// Blocks per SM of the strip kernel: at 5, 96 registers and 12-16 bytes of spill stores per thread (4 before the
// epilogue's selects of 2026-12-02); at 6, 80 registers and 96-196 bytes of spills (ptxas, sm_90).
#ifndef PB_MMA_STRIP_MIN_BLOCKS
#define PB_MMA_STRIP_MIN_BLOCKS (20 / PB_MMA_WARPS)
#endif
constexpr int kStripMinBlocks = PB_MMA_STRIP_MIN_BLOCKS;

// The order of the tile table, which is the order blocks start in (the hardware dispatches in blockIdx order, the
// persistent grid's counter in table order): raster (job, row, column), or the jobs heaviest first (by their
// heaviest tile: source chunks x staged columns; longest processing time first), so that the last wave is made of
// light tiles. Each job's tiles stay together, in raster order: sorting single tiles across jobs cost Qwen up
// to 25 % in locality.
enum class TileOrder { Raster, HeaviestJobFirst };

struct MmaArgs {
  const DevJob* jobs;
  const MmaJob* mjobs;
  const MmaTile* tiles;
  const RowTile* rtiles;
  const int* hcol0;
  const uint4 *hfrag, *vfrag;  // null when the weights are computed on the fly
  const float* hf_lut;
  Epilogue e;
  DevLayout L;
  int n_tiles;
  int* sched;         // persistent grid: [next tile, blocks done]; both return to 0 when the last block leaves
  int cubic;          // on the fly: Keys a = -0.5 cubic (1) or triangle (0), antialiased
  double support1;    // on the fly: the filter's support at scale 1
  int stages;         // async ring (cuda_separable_mma_async): source chunks in flight
  int rawstride;      // async ring: bytes per staged source row
};

}  // namespace pb::cuda::mma
