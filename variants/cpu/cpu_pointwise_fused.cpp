// Resize in two passes with full-size intermediates, rescale + normalize (and hf rounding) folded into the
// vertical pass's output loop; crop and Qwen patchify remain a separate pass.
#include "core/parallel.hpp"
#include "variants/cpu/cpu_stages.hpp"

namespace pb {
namespace {

using namespace cpu;

class CpuPointwiseFused final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    tables_ = FloatTables(plan);
    hpass_.clear();
    normalized_.clear();
    for (const Job& j : plan.jobs) {
      hpass_.push_back(ws.allocate_array<float>(size_t(3) * j.src_h * j.rw, "horizontal pass"));
      normalized_.push_back(ws.allocate_array<float>(size_t(3) * j.rh * j.rw, "normalized resized"));
    }
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan& plan, const Inputs& in, const Output& out, void*) {
    const Epilogue& e = plan.epilogue;
    float* dst = static_cast<float*>(out.data);
    for (size_t i = 0; i < plan.jobs.size(); ++i) {
      const Job& j = plan.jobs[i];
      parallel_for(size_t(j.src_h), [&](size_t b, size_t end) {
        h_pass(in.images[size_t(j.src)], tables_.h(j), int(b), int(end), 0, j.rw, hpass_[i], 0, j.src_h);
      });
      parallel_for(size_t(j.rh), [&](size_t b, size_t end) {
        for (int y = int(b); y < int(end); ++y)
          for (int c = 0; c < 3; ++c)
            for (int x = 0; x < j.rw; ++x) {
              const float v = v_tap(tables_.v(j), y, hpass_[i] + size_t(c) * j.src_h * j.rw + x, size_t(j.rw), 0);
              normalized_[i][(size_t(c) * j.rh + y) * j.rw + x] = epilogue_value(e, v, c);
            }
      });
      parallel_for(size_t(j.h), [&](size_t b, size_t end) {  // crop / patchify
        for (int y = int(b); y < int(end); ++y)
          for (int c = 0; c < 3; ++c)
            for (int x = 0; x < j.w; ++x) {
              const float v = inside(j, y, x) ? normalized_[i][(size_t(c) * j.rh + j.y0 + y) * j.rw + j.x0 + x] : j.pad[c];
              store(plan, j, dst, c, y, x, v);
            }
      });
    }
  }

 private:
  VariantInfo info_ = cpu_info("cpu_pointwise_fused",
                               "two-pass resize over full-size intermediates with round/rescale/normalize fused into "
                               "the vertical pass; crop and patchify as a separate copy");
  FloatTables tables_;
  std::vector<float*> hpass_, normalized_;
};

}  // namespace

std::unique_ptr<Variant> make_cpu_pointwise_fused() { return std::make_unique<CpuPointwiseFused>(); }

}  // namespace pb
