// The tensor-core separable design (variants/cuda/mma/): weight fragments from tables built in setup, one
// block per output tile, the jobs' tiles started heaviest job first. The baseline of its ablations:
// cuda_separable_mma_otf (weights on the fly), cuda_separable_mma_raster (tile order), cuda_separable_mma_persistent.
#include "variants/cuda/mma/variant.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma() {
  return std::make_unique<cuda::mma::MmaVariant<false, false>>(
      cuda::cuda_info(
          "cuda_separable_mma",
          "one launch; both separable passes as banded matrix products on the tensor cores (fp16 hi+lo split operands, "
          "fp32 accumulate), source rows streamed in 16-row chunks, intermediate on chip; weight fragments from setup; "
          "heaviest job's tiles first"),
      cuda::mma::TileOrder::HeaviestJobFirst);
}

}  // namespace pb
