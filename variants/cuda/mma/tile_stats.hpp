#pragma once
// What the tensor-core design's tile table asks of its blocks, counted on the host (no GPU, no CUDA headers): for
// the tests of the strip tiles and for the predictions in docs/design-log.md. Computed by host_plan.cu from the
// same tables setup uploads.
#include "core/plan.hpp"

namespace pb::cuda::mma {

struct MmaTileStats {
  long long blocks = 0;        // tiles or strips: one block each
  long long row_tiles = 0;     // 16-row tiles stored, over all blocks
  long long staged_bytes = 0;  // source bytes staged: chunks x 16 rows x staged columns x 3 channels
  long long chunk_steps = 0;   // chunks x column tiles: the horizontal passes run
  int max_fed = 0;             // most row tiles of one block that one chunk feeds
  int open_limit = 0;          // what the strip kernel keeps accumulators for (kStripOpen)
  bool ordered = true;         // every block's row tiles enter and end in order (monotone chunk ranges)
  bool covered = true;         // every 16-row tile of every column tile stored exactly once
};

// strip_tiles as make_host_plan's (1: one tile per block).
MmaTileStats mma_tile_stats(const Plan& plan, int strip_tiles);

}  // namespace pb::cuda::mma
