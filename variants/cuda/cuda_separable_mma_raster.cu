// Ablation of cuda_separable_mma's tile order: the tile table (the order the hardware starts blocks in) in raster
// order (job, row, column), the design's first order, instead of the jobs heaviest first.
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_raster() {
  return std::make_unique<cuda::mma::MmaVariant<false, false>>(
      cuda::cuda_info("cuda_separable_mma_raster",
                      "cuda_separable_mma with its tiles started in raster order (job, row, column) instead of "
                      "heaviest job first"),
      cuda::mma::TileOrder::Raster);
}

}  // namespace pb
