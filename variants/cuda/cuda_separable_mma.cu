// The tensor-core separable design (variants/cuda/cuda_mma.cuh): weight fragments from tables built in setup, one
// block per output tile. The baseline of its two ablations (cuda_separable_mma_otf, cuda_separable_mma_persistent).
#include "variants/cuda/cuda_mma.cuh"

namespace pb {

std::unique_ptr<Variant> make_cuda_separable_mma() {
  return std::make_unique<cuda::mma::MmaVariant<false, false>>(cuda::cuda_info(
      "cuda_separable_mma",
      "one launch; both separable passes as banded matrix products on the tensor cores (fp16 hi+lo split operands, "
      "fp32 accumulate), source rows streamed in 16-row chunks, intermediate on chip; weight fragments from setup"));
}

}  // namespace pb
