// The dispatch rule of cuda_auto and of the Python package's variant="auto" (variants/auto_rule.cpp): what it may
// name, and the choice the H200 sweeps it cites made. Runs without a GPU (the rule reads the plan only).
#include <gtest/gtest.h>

#include "core/pipeline.hpp"
#include "variants/auto_rule.hpp"

using namespace pb;

namespace {

Plan plan_for(const std::string& pipeline) {
  return make_plan(find_pipeline(pipeline), {{480, 640}, {1024, 768}, {300, 301}}, Mode::Hf);
}

}  // namespace

// Every name is a registered variant of the asked backend (built or not), never a dispatcher itself, for every
// pipeline and input layout.
TEST(AutoRule, NamesRegisteredDesignsOfItsBackend) {
  for (const auto& p : all_pipelines())
    for (Backend b : {Backend::Cpu, Backend::Cuda})
      for (Layout l : {Layout::HWC, Layout::CHW}) {
        const std::vector<std::string> names = auto_designs(b, plan_for(p.name), l);
        ASSERT_FALSE(names.empty()) << p.name;
        for (const std::string& n : names) {
          EXPECT_EQ(find_variant(n).backend, b) << n;
          EXPECT_EQ(n.find("_auto"), std::string::npos) << n;
        }
      }
}

// The measured choice (results/2026-12-02-h200-auto/README.md): the persistent grid on every Qwen plan, design E
// where the plan pads (LLaVA-NeXT's anyres grid on non-square images), the one-block-per-tile design elsewhere.
TEST(AutoRule, FollowsTheMeasuredChoice) {
  EXPECT_EQ(auto_designs(Backend::Cuda, plan_for("qwen2.5-vl-7b"), Layout::CHW).front(), "cuda_separable_mma_persistent");
  for (const char* p : {"siglip-so400m-384", "clip-vit-b32", "dinov2-small", "internvl3-448"})
    EXPECT_EQ(auto_designs(Backend::Cuda, plan_for(p), Layout::CHW).front(), "cuda_separable_mma") << p;
  EXPECT_EQ(auto_designs(Backend::Cpu, plan_for("siglip-so400m-384"), Layout::HWC).front(), "cpu_separable_ring");
  // LLaVA-NeXT: 448 x 448 fills its 672 x 672 grid exactly; 480 x 640 keeps its aspect inside its grid: padded
  const Plan square = make_plan(find_pipeline("llava-next-336"), {{448, 448}}, Mode::Hf);
  const Plan oblong = make_plan(find_pipeline("llava-next-336"), {{480, 640}}, Mode::Hf);
  auto padded = [](const Plan& p) {
    long long inside = 0, all = 0;
    for (const Job& j : p.jobs) {
      inside += (long long)(j.yb - j.ya) * (j.xb - j.xa);
      all += (long long)j.h * j.w;
    }
    return all - inside;
  };
  ASSERT_EQ(padded(square), 0);
  ASSERT_GT(padded(oblong), 0);
  EXPECT_EQ(auto_designs(Backend::Cuda, square, Layout::HWC).front(), "cuda_separable_mma");
  const std::vector<std::string> o = auto_designs(Backend::Cuda, oblong, Layout::HWC);
  EXPECT_EQ(o.front(), "cuda_separable_wgmma");
  ASSERT_GE(o.size(), 2u);
  EXPECT_EQ(o[1], "cuda_separable_mma");  // where design E cannot run (not sm_90, or a plan it refuses)
}
