#pragma once
// What design G's setup builds on the host, once per plan: the kernel's tap count, every table entry's first tap and
// its weights padded to that count, and the tile table with each tile's staged source window. No GPU needed.
#include <vector>

#include "variants/cuda/fewtap/config.cuh"

namespace pb::cuda::fewtap {

struct HostPlan {
  int kt = 8;        // taps per output and axis the kernel reads: 5, 8 or 16, the plan's widest table rounded up
  int tile_w = 64;   // the kernel's tile width (tile_w<layout>)
  int threads = 256;  // threads per block (block_threads<layout>)
  std::vector<int> tap0;  // per table entry, in upload_plan's numbering: its first source index
  std::vector<float> w;   // per table entry: kt weights, zero past its count (a padding job's dummy table cut short)
  std::vector<FewTapTile> tiles;
  size_t smem = 0;        // the largest tile's dynamic shared memory
};

// Throws std::invalid_argument for a plan G does not take: more than kMaxTaps taps per axis, a Qwen grid other than
// 14-pixel patches merged 2 x 2, a source image of more than kMaxImageBytes, or a tile whose shared memory exceeds
// max_smem (the device's per-block limit).
HostPlan make_host_plan(const Plan& plan, bool chw, size_t max_smem);

}  // namespace pb::cuda::fewtap
