// Ablation of cuda_separable_mma's tile shape: a block streams a strip of consecutive 16-row tiles of one column
// tile (as many as leave ~2 waves of blocks), so each source chunk is staged and resampled horizontally once for
// every row tile it feeds instead of once per row tile (the vertical halo: ~1.6x the source rows on the headline),
// and the epilogue table and tile tables are read once per strip. Same weights, numerics and tile order.
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_strip() {
  return std::make_unique<cuda::mma::MmaVariant<false, false, true>>(
      cuda::cuda_info("cuda_separable_mma_strip",
                      "cuda_separable_mma with a strip of 16-row tiles per block: each source chunk staged and "
                      "resampled horizontally once for the row tiles it feeds (at most two open, accumulators in "
                      "registers), heaviest job first"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
