#pragma once
// What the tensor-core design's setup builds on the host, once per plan: the tile table (each job's output tiles,
// their source rows and staged columns), the weight fragments (unless computed on the fly), the hf epilogue table
// and the shared-memory shape. Compiled once (host_plan.cu), whatever the variant instantiation.
#include <vector>

#include "variants/cuda/mma/config.cuh"

namespace pb::cuda::mma {

struct HostPlan {
  std::vector<MmaJob> mjobs;
  std::vector<MmaTile> tiles;
  std::vector<RowTile> rtiles;
  std::vector<int> hcol0;
  std::vector<uint4> hfrag, vfrag;  // empty when the weights are computed on the fly
  std::vector<float> lut;           // hf: [3][256]
  int sstride = 8;                  // halves per staged row
  int max_nc = 8;                   // the widest tile's staged source columns
  size_t smem = 0;                  // dynamic shared memory per block
};

// strip_tiles <= 1: one kTileW x kTileH tile per block; more: strips of up to that many 16-row tiles (kStrip).
HostPlan make_host_plan(const Plan& plan, const DevPlan& d, bool fragments, TileOrder order, int strip_tiles = 1);

}  // namespace pb::cuda::mma
