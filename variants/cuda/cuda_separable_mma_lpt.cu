// Ablation of cuda_separable_mma's tile order, apart from the persistent grid: one block per tile as in the
// baseline, but the tile table (the order the hardware starts blocks in) holds the jobs heaviest first, each job's
// tiles together, so that the last wave of a ragged batch is made of light tiles (longest processing time first).
#include "variants/cuda/cuda_mma.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_lpt() {
  return std::make_unique<cuda::mma::MmaVariant<false, false>>(
      cuda::cuda_info("cuda_separable_mma_lpt",
                      "cuda_separable_mma with its jobs' tiles started heaviest job first (longest processing time "
                      "first) instead of in raster order"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
