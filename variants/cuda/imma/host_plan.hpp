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
  std::vector<uint8_t> masks;  // filled by transposed_vertical (shared with E); F's kernel reads whole fragments
  std::vector<float> lut;  // hf: [3][256]
  int sstride = 16;        // bytes per staged row: every tile's nc and B words (kb + 32 nks), a multiple of 16, an odd
                           // number of 16-byte units
  int max_nks = 1;         // the widest tile's k32 steps (kRegSteps or fewer: weights in registers)
};

HostPlan make_host_plan(const Plan& plan, const DevPlan& d);

// Dynamic shared memory of one block: the hf table, two staged chunks (3 channels x kChunk rows), two chunks'
// vertical fragments and nslots staging slots per thread.
inline size_t smem_bytes(int sstride, int nslots) {
  return size_t(3) * 256 * 4 + size_t(2) * 3 * kChunk * sstride + size_t(2) * kVfragUnits * 16 + slot_bytes(nslots);
}

// The staging slots a block gets: as many as keep the blocks per SM its registers allow (min_blocks), on an SM of
// smem_per_sm bytes (1 KB of each block's reserved by the driver); none where even those blocks do not fit.
inline int staging_slots(int sstride, bool reg_a, size_t smem_per_sm) {
  for (int n = kMaxSlots; n > 0; --n)
    if (size_t(min_blocks(reg_a)) * (smem_bytes(sstride, n) + 1024) <= smem_per_sm) return n;
  return 0;
}

}  // namespace pb::cuda::imma
