// A pipeline written by pipeline_json and read back by spec_from_json plans exactly the same jobs (what the Python
// package relies on when it describes a pipeline by its fields); overrides and errors name their field.
#include <gtest/gtest.h>

#include "core/plan.hpp"
#include "harness/catalog_json.hpp"

using namespace pb;

namespace {
bool same_jobs(const Plan& a, const Plan& b) {
  if (a.jobs.size() != b.jobs.size() || a.out_shape != b.out_shape) return false;
  for (size_t i = 0; i < a.jobs.size(); ++i) {
    const Job &x = a.jobs[i], &y = b.jobs[i];
    if (x.rh != y.rh || x.rw != y.rw || x.y0 != y.y0 || x.x0 != y.x0 || x.h != y.h || x.w != y.w || x.dst != y.dst)
      return false;
  }
  return true;
}
}  // namespace

TEST(CatalogJson, EveryPipelineRoundTrips) {
  const std::vector<ImageShape> shapes{{300, 400}, {517, 211}, {90, 1200}};
  for (const auto& p : all_pipelines()) {
    nlohmann::json j = pipeline_json(p);
    const PipelineSpec back = spec_from_json(j);
    EXPECT_EQ(back.mean, p.mean) << p.name;
    EXPECT_EQ(back.std, p.std) << p.name;
    EXPECT_TRUE(same_jobs(make_plan(back, shapes, Mode::Hf), make_plan(p, shapes, Mode::Hf))) << p.name;
  }
}

TEST(CatalogJson, NamedPipelineWithOverrides) {
  const PipelineSpec s = spec_from_json({{"pipeline", "clip-vit-b32"}, {"crop", {200, 180}}, {"antialias", false}});
  EXPECT_EQ(s.crop_height, 200);
  EXPECT_EQ(s.crop_width, 180);
  EXPECT_FALSE(s.antialias);
  EXPECT_EQ(s.shortest_edge, 224);
}

TEST(CatalogJson, ErrorsNameTheField) {
  auto message = [](const nlohmann::json& j) {
    try {
      spec_from_json(j);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message({{"pipeline", "clip-vit-b32"}, {"colour", 1}}).find("unknown spec field 'colour'"), std::string::npos);
  EXPECT_NE(message({{"geometry", "fixed"}, {"size", {1, 2, 3}}}).find("'size' needs 2 values"), std::string::npos);
  EXPECT_NE(message({{"pipeline", "clip-vit-b32"}, {"mean", "grey"}}).find("'mean' has the wrong type"), std::string::npos);
  EXPECT_NE(message({{"geometry", "fixed"}, {"filter", "nearest"}}).find("unknown filter"), std::string::npos);
  EXPECT_NE(message(nlohmann::json::array()).find("JSON object"), std::string::npos);
  EXPECT_NE(message({{"pipeline", "nope"}}).find("unknown pipeline"), std::string::npos);
}
