#pragma once
// What design F's setup builds on the host, once per plan: the tile table, the horizontal weights as int8 limbs in
// m16n8k32 A fragments with their column scales, the vertical weights as fp16 hi + lo m16n8k16 B fragments, the
// hf epilogue table, and the staged rows' stride.
#include <vector>

#include "variants/cuda/imma/config.cuh"

namespace pb::cuda::imma {

struct HostPlan {
  std::vector<ITile> tiles;
  std::vector<uint4> hfrag, vfrag;
  std::vector<float> scales;
  std::vector<uint8_t> masks;
  std::vector<float> lut;  // hf: [3][256]
  int sstride = 16;        // bytes per staged row: every tile's nc and B words (kb + 32 nks), a multiple of 16, an odd
                           // number of 16-byte units
  int max_nks = 1;         // the widest tile's k32 steps (kRegSteps or fewer: weights in registers)
  size_t smem = 0;         // dynamic shared memory per block
};

HostPlan make_host_plan(const Plan& plan, const DevPlan& d);

// Dynamic shared memory of one block: the hf table, two staged chunks (3 channels x kChunk rows) and two chunks'
// vertical fragments.
inline size_t smem_bytes(int sstride) {
  return size_t(3) * 256 * 4 + size_t(2) * 3 * kChunk * sstride + size_t(2) * kVfragUnits * 16;
}

}  // namespace pb::cuda::imma
