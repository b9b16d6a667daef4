// The strip design (cuda_separable_mma_strip) with its source chunks bulk-copied into a shared-memory ring
// (cp.async.bulk on mbarriers, two to four chunks ahead) instead of loaded through registers one chunk ahead; the
// vertical weight fragments travel with each chunk, the horizontal ones are requested a k-step ahead. Strips of one
// row tile where the plan is too small for longer ones (no fallback kernel). sm_90.
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_bulk() {
  return std::make_unique<cuda::mma::MmaVariant<false, false, true, true>>(
      cuda::cuda_info("cuda_separable_mma_bulk",
                      "cuda_separable_mma_strip with each source chunk and its vertical weights bulk-copied (TMA, "
                      "1-D) into a shared-memory ring on mbarriers, two to four chunks ahead; sm_90"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
