// Design E of issue 16 (variants/cuda/wgmma/): TMA-staged source rows, a producer warp and a consumer warpgroup,
// the horizontal pass on the int8 tensor cores (wgmma, weights as three signed 7-bit limbs), the vertical on fp16
// mma.sync from the horizontal accumulators in registers. Hopper only (sm_90a); built as its own object library.
#include "variants/cuda/wgmma/host_plan.hpp"
#include "variants/cuda/wgmma/kernel.cuh"

namespace pb {

namespace cuda::wgmma {

template <int kLimbs>
class WgmmaVariant final : public JobTableVariant {
 public:
  explicit WgmmaVariant(VariantInfo info) : info_(std::move(info)) {}
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    const int major = device_attribute(cudaDevAttrComputeCapabilityMajor);
    const int minor = device_attribute(cudaDevAttrComputeCapabilityMinor);
    const int max_smem = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin);
    if (major != 9 || minor != 0)
      throw std::invalid_argument(info_.name + " runs on sm_90 GPUs only (Hopper: wgmma, bulk copies); this one is " +
                                  "sm_" + std::to_string(major) + std::to_string(minor));
    chw_ = in.layout == Layout::CHW;
    d_ = upload_plan(plan, in, ws);
    const HostPlan hp = make_host_plan(plan, d_, chw_, kLimbs, size_t(max_smem));
    A_ = WArgs{};
    A_.jobs = d_.jobs;
    A_.tiles = upload(ws, hp.tiles, "tile table");
    static_cast<TransposedTables&>(A_) = upload_transposed(ws, hp);
    A_.e = d_.epi;
    A_.L = d_.layout;
    A_.stages = hp.stages;
    A_.slot_bytes = hp.slot_bytes;
    A_.kmax = hp.kmax;
    A_.stage_h = hp.stage_h;
    A_.stage_v = hp.stage_v;
    A_.vbase = hp.stage_h ? hp.hbytes : 0;
    smem_ = hp.smem;
    grid_ = int(hp.tiles.size());
    with_kernels([&](auto f32, auto bf16) { allow_dynamic_smem(f32, bf16, smem_, info_.name.c_str()); });
    out_ = out;
    return [this](void* stream) { run(stream); };
  }

 private:
  // Calls f with the fp32 and bf16 kernels of this setup's output layout and input layout.
  template <typename F>
  void with_kernels(F&& f) const {
    with_layout(d_.layout.kind, [&](auto layout) {
      constexpr DstLayout kL = decltype(layout)::value;
      if (chw_) f(separable_wgmma_kernel<kLimbs, kL, true, float>, separable_wgmma_kernel<kLimbs, kL, true, __nv_bfloat16>);
      else f(separable_wgmma_kernel<kLimbs, kL, false, float>, separable_wgmma_kernel<kLimbs, kL, false, __nv_bfloat16>);
    });
  }

  void run(void* stream) {
    if (grid_ == 0) return;
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    with_kernels([&](auto f32, auto bf16) {
      if (out_.dtype == DType::F32) f32<<<grid_, kThreads, smem_, s>>>(A_, static_cast<float*>(out_.data));
      else bf16<<<grid_, kThreads, smem_, s>>>(A_, static_cast<__nv_bfloat16*>(out_.data));
      PB_CUDA_CHECK_LAUNCH();
    });
  }

  VariantInfo info_;
  WArgs A_{};
  bool chw_ = true;
  int grid_ = 0;
  size_t smem_ = 0;
};

}  // namespace cuda::wgmma

std::unique_ptr<Variant> make_cuda_separable_wgmma() {
  return std::make_unique<cuda::wgmma::WgmmaVariant<3>>(cuda::cuda_info(
      "cuda_separable_wgmma",
      "design E (sm_90): source rows staged by a producer warp with bulk copies (TMA) into an mbarrier ring; "
      "horizontal pass on int8 tensor cores (wgmma u8 x s8 -> s32, weights in 3 signed 7-bit limbs), vertical on "
      "fp16 mma.sync straight from the horizontal accumulators in registers"));
}

}  // namespace pb
