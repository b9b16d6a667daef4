// Per image: the two-pass resize over full-size device intermediates, with round/rescale/normalize fused into the
// vertical pass; crop and Qwen patchify stay a separate copy kernel.
#include "profiling/nvtx.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

template <typename T>
__global__ void crop_store_kernel(DevJob j, DevLayout L, const float* __restrict__ normalized,
                                  T* __restrict__ out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= j.w || y >= j.h) return;
  const int ry = j.y0 + y, rx = j.x0 + x;
  const bool inside = ry >= 0 && ry < j.rh && rx >= 0 && rx < j.rw;
  for (int c = 0; c < 3; ++c)
    store(out, L, j, c, y, x, inside ? normalized[(size_t(c) * j.rh + ry) * j.rw + rx] : j.pad[c]);
}

class CudaPointwiseFused final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    hpass_.clear();
    normalized_.clear();
    for (const DevJob& j : d_.host_jobs) {
      hpass_.push_back(ws.allocate_array<float>(size_t(3) * j.src_h * j.rw, "horizontal pass"));
      normalized_.push_back(ws.allocate_array<float>(size_t(3) * j.rh * j.rw, "normalized resized"));
    }
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan& plan, const Inputs& in, const Output& out, void* stream) {
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    with_dtype(out.dtype, out.data, [&](auto* o) {
      for (size_t i = 0; i < plan.jobs.size(); ++i) {
        const DevJob& j = d_.host_jobs[i];
        {
          NvtxRange r("stage: horizontal pass");
          launch_hpass_full(d_, int(i), in.layout == Layout::CHW, hpass_[i], s);
        }
        {
          NvtxRange r("stage: vertical pass + epilogue");
          launch_vpass_full(d_, int(i), hpass_[i], normalized_[i], true, s);
        }
        NvtxRange r("stage: crop / patchify");
        crop_store_kernel<<<dim3(ceil_div(j.w, 64), ceil_div(j.h, 4)), dim3(64, 4), 0, s>>>(j, d_.layout,
                                                                                             normalized_[i], o);
        PB_CUDA_CHECK_LAUNCH();
      }
    });
  }

 private:
  VariantInfo info_ = cuda_info("cuda_pointwise_fused",
                                "per image, two resize kernels over full-size intermediates with round/rescale/"
                                "normalize fused into the vertical pass; crop/patchify as a third kernel");
  DevPlan d_;
  std::vector<float*> hpass_, normalized_;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_pointwise_fused() { return std::make_unique<CudaPointwiseFused>(); }

}  // namespace pb
