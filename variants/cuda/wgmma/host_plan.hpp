#pragma once
// What design E's setup builds on the host, once per plan: the tile table, the int8 limbs of the horizontal weights
// as wgmma A fragments with their column scales, the vertical weights as fp16 hi + lo mma.sync B fragments, the
// hf epilogue table, and the shared-memory shape (ring depth, row slots).
#include <vector>

#include "variants/cuda/wgmma/config.cuh"

namespace pb::cuda::wgmma {

struct HostPlan {
  std::vector<WTile> tiles;
  std::vector<uint4> hfrag, vfrag;
  std::vector<float> scales;
  std::vector<uint8_t> masks;
  std::vector<float> lut;  // hf: [3][256]
  int stages = 2, slot_bytes = 16, kmax = 32;
  bool stage_h = false, stage_v = false;  // the tiles' weight fragments staged in shared memory (WArgs)
  int hbytes = 0, vbytes = 0;             // the largest tile's horizontal / vertical fragments
  size_t smem = 0;
};

// Throws std::invalid_argument when even a two-stage ring of the widest tile's rows does not fit in `max_smem`, or
// when a column's top two limb sums could overflow the kernel's int32 combine.
HostPlan make_host_plan(const Plan& plan, const DevPlan& d, bool chw, int limbs, size_t max_smem);

// Dynamic shared memory of one block: barriers, hf table, the relaid-out chunk (48 rows), the ring (+16 bytes of
// slack for the realigning word reads).
inline size_t smem_bytes(int stages, int slot_bytes, int rows_per_stage, int kmax) {
  return 128 + size_t(3) * 256 * 4 + size_t(3) * kChunk * kmax + size_t(stages) * rows_per_stage * slot_bytes + 16;
}

}  // namespace pb::cuda::wgmma
