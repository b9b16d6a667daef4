// The dispatch rule of cuda_auto and of the Python package's variant="auto" (variants/auto_rule.cpp): what it may
// name, and the choice the H200 sweeps it cites made. Runs without a GPU (the rule reads the plan only).
#include <gtest/gtest.h>

#include <algorithm>

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

// The measured choice (results/2026-12-02-h200-auto/README.md): the persistent grid on every Qwen plan, the
// one-block-per-tile design elsewhere, LLaVA-NeXT's padded grids included.
TEST(AutoRule, FollowsTheMeasuredChoice) {
  EXPECT_EQ(auto_designs(Backend::Cuda, plan_for("qwen2.5-vl-7b"), Layout::CHW).front(), "cuda_separable_mma_persistent");
  for (const char* p : {"siglip-so400m-384", "clip-vit-b32", "dinov2-small", "internvl3-448", "llava-next-336"})
    for (Layout l : {Layout::HWC, Layout::CHW}) {
      const std::vector<std::string> n = auto_designs(Backend::Cuda, plan_for(p), l);
      EXPECT_EQ(n.front(), "cuda_separable_mma") << p;
      // a plan mma refuses (its staged chunk beyond the device's shared memory) falls to a design without one
      EXPECT_NE(std::find(n.begin(), n.end(), "cuda_separable_ring"), n.end()) << p;
    }
  EXPECT_EQ(auto_designs(Backend::Cpu, plan_for("siglip-so400m-384"), Layout::HWC).front(), "cpu_separable_ring");
}
