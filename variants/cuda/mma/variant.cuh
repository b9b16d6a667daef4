#pragma once
// The tensor-core separable designs as one Variant template: three of the ablation axes are template parameters
// (weights from setup tables or on the fly; one block per tile or a persistent grid; one tile or a strip of row
// tiles per block), the fourth (tile order) a constructor argument. Each cuda_separable_mma*.cu file is one
// instantiation plus its name and description.
#include <cstdlib>

#include "variants/cuda/mma/host_plan.hpp"
#include "variants/cuda/mma/kernel.cuh"

namespace pb::cuda::mma {

template <bool kOtf, bool kPersistent, bool kStrip = false>
class MmaVariant final : public JobTableVariant {
 public:
  MmaVariant(VariantInfo info, TileOrder order) : info_(std::move(info)), order_(order) {}
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    if (kOtf && (!plan.antialias || (plan.filter != Filter::Bicubic && plan.filter != Filter::Bilinear)))
      throw std::invalid_argument(info_.name + " computes antialiased bicubic or bilinear weights only, not " +
                                  filter_name(plan.filter) + (plan.antialias ? "" : " without antialias"));
    d_ = upload_plan(plan, in, ws);
    int strip = 1;
    if constexpr (kStrip) strip = strip_tiles();
    const HostPlan hp = make_host_plan(plan, d_, !kOtf, order_, strip);
    smem_ = hp.smem;
    A_ = MmaArgs{};
    A_.jobs = d_.jobs;
    A_.mjobs = upload(ws, hp.mjobs, "mma job table");
    A_.tiles = upload(ws, hp.tiles, "tile table");
    A_.rtiles = upload(ws, hp.rtiles, "row-tile table");
    A_.hcol0 = upload(ws, hp.hcol0, "column windows");
    if (!kOtf) {
      A_.hfrag = upload(ws, hp.hfrag, "horizontal weight fragments");
      A_.vfrag = upload(ws, hp.vfrag, "vertical weight fragments");
    }
    A_.hf_lut = upload(ws, hp.lut, "hf epilogue table");
    A_.e = d_.epi;
    A_.L = d_.layout;
    chw_ = in.layout == Layout::CHW;
    sstride_ = hp.sstride;
    A_.n_tiles = int(hp.tiles.size());
    A_.cubic = plan.filter == Filter::Bicubic;
    A_.support1 = filter_support(plan.filter);
    grid_ = A_.n_tiles;
    if (kPersistent) A_.sched = upload(ws, std::vector<int>{0, 0}, "tile counter");
    with_layout(d_.layout.kind, [&](auto layout) {
      constexpr DstLayout kL = decltype(layout)::value;
      allow_dynamic_smem(separable_mma_kernel<float, kOtf, kPersistent, kL, kStrip>,
                         separable_mma_kernel<__nv_bfloat16, kOtf, kPersistent, kL, kStrip>, smem_,
                         (info_.name + " (downscale too strong for its staged chunk)").c_str());
      if constexpr (kPersistent)
        grid_ = std::min(grid_, resident_blocks(separable_mma_kernel<float, kOtf, kPersistent, kL>, kThreads, smem_));
    });
    out_ = out;
    return [this](void* stream) { run(stream); };
  }

  void run(void* stream) {
    with_dtype(out_.dtype, out_.data, [&](auto* o) {
      using T = std::remove_pointer_t<decltype(o)>;
      with_layout(d_.layout.kind, [&](auto layout) {
        separable_mma_kernel<T, kOtf, kPersistent, decltype(layout)::value, kStrip>
            <<<grid_, kThreads, smem_, static_cast<cudaStream_t>(stream)>>>(A_, chw_, sstride_, o);
      });
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  // Strip length: as long as leaves about two waves of blocks on the device (blocks per SM as the registers
  // allow; shared memory can only lower it, so the waves only grow), at most kStripMaxTiles row tiles.
  // PB_MMA_STRIP_TILES=N (1..kStripMaxTiles) sets it instead: the ablation of the length, and the tests of long
  // strips on small batches.
  int strip_tiles() const {
    if (const char* env = std::getenv("PB_MMA_STRIP_TILES")) {
      const int n = std::atoi(env);
      if (n < 1 || n > kStripMaxTiles)
        throw std::invalid_argument("PB_MMA_STRIP_TILES=" + std::string(env) + ": give 1.." +
                                    std::to_string(kStripMaxTiles) + " row tiles per strip");
      return n;
    }
    long long tiles = 0;
    for (const DevJob& j : d_.host_jobs) tiles += (long long)((j.h + 15) / 16) * ((j.w + kTileW - 1) / kTileW);
    const long long resident = resident_blocks(separable_mma_kernel<float, false, false, DstLayout::NCHW, true>,
                                               kThreads, 0);
    return int(std::max(1LL, std::min<long long>(kStripMaxTiles, tiles / (2 * resident))));
  }

  VariantInfo info_;
  TileOrder order_;
  MmaArgs A_{};
  bool chw_ = false;
  int sstride_ = 8, grid_ = 0;
  size_t smem_ = 0;
};

}  // namespace pb::cuda::mma
