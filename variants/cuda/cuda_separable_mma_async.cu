// The strip design (cuda_separable_mma_strip) with its source chunks copied asynchronously (cp.async, 16 bytes per
// copy, every thread an equal share) into a shared-memory ring two to four chunks ahead, instead of loaded through
// registers one chunk ahead; the vertical weight fragments travel with each chunk, the horizontal ones are
// requested a k-step ahead. Strips of one row tile where the plan is too small for longer ones (no fallback kernel).
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma_async() {
  return std::make_unique<cuda::mma::MmaVariant<false, false, true, true>>(
      cuda::cuda_info("cuda_separable_mma_async",
                      "cuda_separable_mma_strip with each source chunk and its vertical weights copied "
                      "asynchronously (cp.async) into a shared-memory ring two to four chunks ahead"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
