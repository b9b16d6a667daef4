#pragma once
// The tensor-core separable designs as one Variant template: the ablation axes are template parameters (weights
// from setup tables or on the fly; one block per tile or a persistent grid; one tile or a strip of row tiles per
// block; strips staged through registers or by asynchronous copies), the tile order a constructor argument. Each
// cuda_separable_mma*.cu file is one instantiation plus its name and description.
#include <cstdlib>

#include "variants/cuda/mma/host_plan.hpp"
#include "variants/cuda/mma/kernel_async.cuh"

namespace pb::cuda::mma {

template <bool kOtf, bool kPersistent, bool kStrip = false, bool kAsync = false>
class MmaVariant final : public JobTableVariant {
  static_assert(!kAsync || (kStrip && !kOtf && !kPersistent), "the async ring feeds strips, weights from the tables");

 public:
  MmaVariant(VariantInfo info, TileOrder order) : info_(std::move(info)), order_(order) {}
  const VariantInfo& info() const override { return info_; }
  // The strip design on a plan too small for strips runs cuda_separable_mma's kernel, and says so.
  std::string dispatched() const override { return kStrip && !kAsync && !strips_ ? "cuda_separable_mma" : ""; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    if (kOtf && (!plan.antialias || (plan.filter != Filter::Bicubic && plan.filter != Filter::Bilinear)))
      throw std::invalid_argument(info_.name + " computes antialiased bicubic or bilinear weights only, not " +
                                  filter_name(plan.filter) + (plan.antialias ? "" : " without antialias"));
    d_ = upload_plan(plan, in, ws);
    int strip = 1;
    if constexpr (kStrip) strip = strip_tiles();
    strips_ = kStrip && strip > 0;
    const HostPlan hp = make_host_plan(plan, d_, !kOtf, order_, strips_ ? strip : 1);
    smem_ = hp.smem;
    chw_ = in.layout == Layout::CHW;
    if constexpr (kAsync) size_ring(hp);
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
    A_.stages = stages_;
    A_.rawstride = rawstride_;
    sstride_ = hp.sstride;
    A_.n_tiles = int(hp.tiles.size());
    A_.cubic = plan.filter == Filter::Bicubic;
    A_.support1 = filter_support(plan.filter);
    grid_ = A_.n_tiles;
    if (kPersistent) A_.sched = upload(ws, std::vector<int>{0, 0}, "tile counter");
    with_layout(d_.layout.kind, [&](auto layout) {
      constexpr DstLayout kL = decltype(layout)::value;
      const std::string who = info_.name + " (downscale too strong for its staged chunk)";
      if constexpr (kAsync) {
        allow_dynamic_smem(separable_mma_async_kernel<float, kL>, separable_mma_async_kernel<__nv_bfloat16, kL>, smem_,
                           who.c_str());
      } else {
        if constexpr (kStrip)
          if (strips_) {
            allow_dynamic_smem(separable_mma_kernel<float, false, false, kL, true>,
                               separable_mma_kernel<__nv_bfloat16, false, false, kL, true>, smem_, who.c_str());
            return;
          }
        allow_dynamic_smem(separable_mma_kernel<float, kOtf, kPersistent, kL>,
                           separable_mma_kernel<__nv_bfloat16, kOtf, kPersistent, kL>, smem_, who.c_str());
        if constexpr (kPersistent)
          grid_ = std::min(grid_, resident_blocks(separable_mma_kernel<float, kOtf, kPersistent, kL>, kThreads, smem_));
      }
    });
    out_ = out;
    return [this](void* stream) { run(stream); };
  }

  void run(void* stream) {
    with_dtype(out_.dtype, out_.data, [&](auto* o) {
      using T = std::remove_pointer_t<decltype(o)>;
      with_layout(d_.layout.kind, [&](auto layout) {
        constexpr DstLayout kL = decltype(layout)::value;
        const auto s = static_cast<cudaStream_t>(stream);
        if constexpr (kAsync) {
          separable_mma_async_kernel<T, kL><<<grid_, kThreads, smem_, s>>>(A_, chw_, sstride_, o);
        } else {
          if constexpr (kStrip)
            if (strips_) {
              separable_mma_kernel<T, false, false, kL, true><<<grid_, kThreads, smem_, s>>>(A_, chw_, sstride_, o);
              return;
            }
          separable_mma_kernel<T, kOtf, kPersistent, kL><<<grid_, kThreads, smem_, s>>>(A_, chw_, sstride_, o);
        }
      });
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  // The strip length: as long as leaves about two waves of blocks on the device (blocks per SM as the registers
  // allow; shared memory can only lower it, so the waves only grow), at most kStripMaxTiles row tiles; 0 where that
  // is below kStripMinTiles, and the plan runs one tile per block (the kernel of cuda_separable_mma). Measured on
  // the H200 (docs/design-log.md, "strips"): longer strips lost on every case, strips of two on uniform batches.
  // PB_MMA_STRIP_TILES=N (1..16) sets the length instead: the ablation of it, and the tests of long strips on
  // small batches. The async design has no one-tile kernel: its strips are 1..kStripMaxTiles long by the same rule.
  int strip_tiles() const {
    if (const char* env = std::getenv("PB_MMA_STRIP_TILES")) {
      const int n = std::atoi(env);
      if (n < 1 || n > 16)
        throw std::invalid_argument("PB_MMA_STRIP_TILES=" + std::string(env) + ": give 1..16 row tiles per strip");
      return n;
    }
    long long tiles = 0;
    for (const DevJob& j : d_.host_jobs) tiles += (long long)((j.h + 15) / 16) * ((j.w + kTileW - 1) / kTileW);
    long long resident = 0;
    if constexpr (kAsync)
      resident = resident_blocks(separable_mma_async_kernel<float, DstLayout::NCHW>, kThreads, 0);
    else
      resident = resident_blocks(separable_mma_kernel<float, false, false, DstLayout::NCHW, true>, kThreads, 0);
    const long long n = std::min<long long>(kStripMaxTiles, tiles / (2 * resident));
    if constexpr (kAsync) return std::max<int>(1, int(n));
    return n >= kStripMinTiles ? int(n) : 0;
  }

  // The async ring's depth: as many stages (2..kAsyncMaxStages) as leave the blocks per SM that the registers allow
  // resident; at least two whatever that costs.
  void size_ring(const HostPlan& hp) {
    const int qpr = (hp.max_nc + kItemCols - 1) / kItemCols;
    rawstride_ = ring_stride(chw_, qpr);
    const int per_sm = device_attribute(cudaDevAttrMaxSharedMemoryPerMultiprocessor);
    const int sms = device_attribute(cudaDevAttrMultiProcessorCount);
    const int blocks = resident_blocks(separable_mma_async_kernel<float, DstLayout::NCHW>, kThreads, 0) / sms;
    const size_t per_block = size_t(per_sm) / size_t(std::max(1, blocks)) - 1024;  // the system keeps 1 KB a block
    stages_ = 2;
    while (stages_ < kAsyncMaxStages && async_smem_bytes(hp.sstride, chw_, rawstride_, stages_ + 1) <= per_block)
      ++stages_;
    smem_ = async_smem_bytes(hp.sstride, chw_, rawstride_, stages_);
  }

  VariantInfo info_;
  TileOrder order_;
  int stages_ = 2, rawstride_ = 16;
  bool strips_ = false;  // kStrip: this plan runs in strips (else one tile per block)
  MmaArgs A_{};
  bool chw_ = false;
  int sstride_ = 8, grid_ = 0;
  size_t smem_ = 0;
};

}  // namespace pb::cuda::mma
