// The best design for each plan without knowing the ladder: setup binds the first design of auto_designs()
// (variants/auto_rule.cpp: the rule and the sweeps it comes from) that this build has, that supports the case
// and that accepts the plan, and forwards every call to it. No kernel of its own: its time is the chosen design's.
#include <memory>
#include <stdexcept>

#include "variants/auto_rule.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb {

namespace {

class CudaAuto final : public Variant {
 public:
  CudaAuto()
      : info_(cuda::cuda_info("cuda_auto",
                              "dispatch: each plan to the design its geometry favours (variants/auto_rule.cpp, from "
                              "the H200 sweeps), recorded as dispatched_to")) {}
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    chosen_.reset();
    name_.clear();
    std::string why_not;
    for (const std::string& name : auto_designs(Backend::Cuda, plan)) {
      const VariantEntry& e = find_variant(name);
      if (!e.built()) continue;
      std::unique_ptr<Variant> v = e.make();
      std::string why;
      if (!v->info().supports(plan.pipeline, in.layout, out.dtype, plan.mode, why)) {
        why_not += (why_not.empty() ? "" : "; ") + why;
        continue;
      }
      Launch launch;
      try {
        launch = v->setup(plan, in, out, ws);
      } catch (const std::invalid_argument& ex) {  // a design that cannot take this plan (filter, smem): the next
        why_not += (why_not.empty() ? "" : "; ") + std::string(ex.what());
        continue;
      }
      chosen_ = std::move(v);
      name_ = name;
      return launch;
    }
    throw std::invalid_argument("cuda_auto: no design of this build runs the plan: " + why_not);
  }

  bool rebind(const Inputs& in, const Output& out, void* stream) override {
    return chosen_ && chosen_->rebind(in, out, stream);
  }
  // the design that runs: the chosen one's own dispatch where it has one (the strip design's one-tile fallback)
  std::string dispatched() const override {
    const std::string inner = chosen_ ? chosen_->dispatched() : std::string();
    return inner.empty() ? name_ : inner;
  }

 private:
  VariantInfo info_;
  std::unique_ptr<Variant> chosen_;
  std::string name_;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_auto() { return std::make_unique<CudaAuto>(); }

}  // namespace pb
