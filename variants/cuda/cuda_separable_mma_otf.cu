// Ablation of cuda_separable_mma's weight tables: every weight fragment is computed on the fly from the job's
// geometry (core's aa_window per output coordinate once per tile, then one filter evaluation per tap and k-step),
// so no weight traffic at all, for more arithmetic. Antialiased bicubic and bilinear only (every pipeline's filter).
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_otf() {
  return std::make_unique<cuda::mma::MmaVariant<true, false>>(
      cuda::cuda_info(
          "cuda_separable_mma_otf",
          "cuda_separable_mma with its weight fragments computed on the fly (filter evaluations per tap in the kernel) "
          "instead of read from tables built in setup"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
