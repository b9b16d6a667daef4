// Design F of issue 16 (variants/cuda/imma/): the horizontal pass on the int8 tensor cores through mma.sync
// (m16n8k32 u8 x s8 -> s32, output columns along M so that the source is B as it lies in shared memory), the
// three weight limbs chained in one accumulator, the vertical pass on fp16 mma.sync straight from it. sm_80+.
#include "variants/cuda/imma/host_plan.hpp"
#include "variants/cuda/imma/kernel.cuh"

namespace pb {

namespace cuda::imma {

class ImmaVariant final : public JobTableVariant {
 public:
  explicit ImmaVariant(VariantInfo info) : info_(std::move(info)) {}
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    const HostPlan hp = make_host_plan(plan, d_);
    A_ = IArgs{};
    A_.jobs = d_.jobs;
    A_.tiles = upload(ws, hp.tiles, "tile table");
    static_cast<TransposedTables&>(A_) = upload_transposed(ws, hp);
    A_.e = d_.epi;
    A_.L = d_.layout;
    chw_ = in.layout == Layout::CHW;
    reg_a_ = hp.max_nks <= kRegSteps;
    sstride_ = hp.sstride;
    nslots_ = staging_slots(sstride_, reg_a_, size_t(device_attribute(cudaDevAttrMaxSharedMemoryPerMultiprocessor)));
    smem_ = smem_bytes(sstride_, nslots_);
    grid_ = int(hp.tiles.size());
    const std::string who = info_.name + " (downscale too strong for its staged chunk)";
    with_kernels([&](auto f32, auto bf16) { allow_dynamic_smem(f32, bf16, smem_, who.c_str()); });
    out_ = out;
    return [this](void* stream) { run(stream); };
  }

 private:
  // Calls f with the fp32 and bf16 kernels of this setup's output layout and weight residence.
  template <typename F>
  void with_kernels(F&& f) const {
    with_layout(d_.layout.kind, [&](auto layout) {
      constexpr DstLayout kL = decltype(layout)::value;
      if (reg_a_) f(separable_imma_kernel<kL, true, float>, separable_imma_kernel<kL, true, __nv_bfloat16>);
      else f(separable_imma_kernel<kL, false, float>, separable_imma_kernel<kL, false, __nv_bfloat16>);
    });
  }

  void run(void* stream) {
    if (grid_ == 0) return;
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    with_kernels([&](auto f32, auto bf16) {
      if (out_.dtype == DType::F32)
        f32<<<grid_, kThreads, smem_, s>>>(A_, chw_, sstride_, nslots_, static_cast<float*>(out_.data));
      else
        bf16<<<grid_, kThreads, smem_, s>>>(A_, chw_, sstride_, nslots_,
                                            static_cast<__nv_bfloat16*>(out_.data));
      PB_CUDA_CHECK_LAUNCH();
    });
  }

  VariantInfo info_;
  IArgs A_{};
  bool chw_ = true, reg_a_ = true;
  int grid_ = 0, sstride_ = 16, nslots_ = 0;
  size_t smem_ = 0;
};

}  // namespace cuda::imma

std::unique_ptr<Variant> make_cuda_separable_imma() {
  return std::make_unique<cuda::imma::ImmaVariant>(cuda::cuda_info(
      "cuda_separable_imma",
      "design F: horizontal pass on int8 tensor cores through mma.sync (m16n8k32 u8 x s8 -> s32, output columns "
      "along M, the staged uint8 rows read as B with aligned 32-bit loads), the 3 signed 7-bit weight limbs chained "
      "in one s32 accumulator; vertical on fp16 mma.sync from the accumulators in registers"));
}

}  // namespace pb
