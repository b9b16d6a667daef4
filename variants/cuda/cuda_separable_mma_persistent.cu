// Ablation of cuda_separable_mma's schedule: a persistent grid (as many blocks as fit on the device at once) takes
// tiles from a counter, heaviest job first, instead of one block per tile; the epilogue table is loaded once per
// block.
// cuda_separable_mma has the same tile order with one block per tile, which separates order from persistence.
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_persistent() {
  return std::make_unique<cuda::mma::MmaVariant<false, true>>(
      cuda::cuda_info("cuda_separable_mma_persistent",
                      "cuda_separable_mma on a persistent grid: resident blocks take tiles from an atomic counter, "
                      "heaviest job first"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
