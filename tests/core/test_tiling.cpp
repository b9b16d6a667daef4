#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "core/pillow.hpp"
#include "core/plan.hpp"
#include "core/reference.hpp"
#include "variants/variant.hpp"
#include "workloads/workload.hpp"

using namespace pb;

// SPEC.md §3.e vectors (H x W -> cols x rows), confirmed there against transformers 5.17.
TEST(Tiling, InternVLGridSpecVectors) {
  auto g = [](int h, int w) {
    const TileGrid t = internvl_grid({h, w}, 448, 1, 12);
    return std::make_pair(t.cols, t.rows);
  };
  EXPECT_EQ(g(1080, 1920), std::make_pair(4, 2));
  EXPECT_EQ(g(480, 640), std::make_pair(4, 3));
  EXPECT_EQ(g(448, 448), std::make_pair(1, 1));
  EXPECT_EQ(g(1000, 1000), std::make_pair(3, 3));  // tie among 1x1, 2x2, 3x3: area 1e6 > 0.5*448^2*9
  EXPECT_EQ(g(600, 600), std::make_pair(1, 1));    // same tie, but 3.6e5 < 0.5*448^2*4: stays 1x1
  EXPECT_EQ(g(300, 1000), std::make_pair(3, 1));
  EXPECT_EQ(g(896, 448), std::make_pair(1, 2));
}

TEST(Tiling, InternVLPlanTilesThenThumbnail) {
  const Plan p = make_plan(find_pipeline("internvl3-448"), {{1080, 1920}, {448, 448}}, Mode::Hf);
  ASSERT_EQ(p.num_patches, (std::vector<long long>{9, 1}));
  ASSERT_EQ(p.jobs.size(), 10u);
  EXPECT_EQ(p.out_shape, (std::vector<long long>{10, 3, 448, 448}));
  // tile 5 of a 4x2 grid: row 1, column 1 of the 896 x 1792 canvas
  EXPECT_EQ(p.jobs[5].rh, 896);
  EXPECT_EQ(p.jobs[5].rw, 1792);
  EXPECT_EQ(p.jobs[5].y0, 448);
  EXPECT_EQ(p.jobs[5].x0, 448);
  EXPECT_EQ(p.jobs[8].rh, 448);  // thumbnail last
  EXPECT_EQ(p.jobs[8].rw, 448);
  EXPECT_EQ(p.jobs[9].src, 1);
  EXPECT_EQ(p.jobs[9].dst, 9LL * 3 * 448 * 448);
}

// SPEC.md §3.f vectors.
TEST(Tiling, LlavaAnyresSpecVectors) {
  const auto& spec = find_pipeline("llava-next-336");
  ImageShape t = llava_best_resolution({480, 640}, spec.pinpoints);
  EXPECT_EQ(t, (ImageShape{672, 672}));
  EXPECT_EQ(llava_fit_size({480, 640}, t), (ImageShape{504, 672}));
  t = llava_best_resolution({1000, 300}, spec.pinpoints);
  EXPECT_EQ(t, (ImageShape{1008, 336}));
  EXPECT_EQ(llava_fit_size({1000, 300}, t), (ImageShape{1008, 303}));
  EXPECT_EQ(llava_best_resolution({336, 336}, spec.pinpoints), (ImageShape{336, 672}));  // ties keep the first
}

TEST(Tiling, LlavaPlanPadsPatchesAndTheBatch) {
  const Plan p = make_plan(find_pipeline("llava-next-336"), {{480, 640}, {1000, 300}, {336, 336}}, Mode::Hf);
  ASSERT_EQ(p.num_patches, (std::vector<long long>{5, 4, 3}));
  EXPECT_EQ(p.out_shape, (std::vector<long long>{3, 5, 3, 336, 336}));
  ASSERT_EQ(p.image_sizes.size(), 3u);
  EXPECT_EQ(p.image_sizes[1], (std::array<long long, 2>{1000, 300}));
  ASSERT_EQ(p.jobs.size(), 15u);  // every (image, slot)
  // image 0: base first, then patch (0, 0) of the 672x672 canvas holding the 504x672 resize 84 rows down
  EXPECT_EQ(p.jobs[0].rh, 336);
  EXPECT_EQ(p.jobs[1].rh, 504);
  EXPECT_EQ(p.jobs[1].y0, -84);
  EXPECT_EQ(p.jobs[1].x0, 0);
  // image 1: 1008x303 in a 1008x336 canvas, 16 columns of padding on the left (17 on the right)
  EXPECT_EQ(p.jobs[6].rw, 303);
  EXPECT_EQ(p.jobs[6].x0, -16);
  EXPECT_EQ(p.jobs[8].y0, 672);
  // image 1's fifth slot and image 2's last two are batch padding: zeros, not the normalized pad
  for (int k : {9, 13, 14}) {
    EXPECT_EQ(p.jobs[size_t(k)].pad[0], 0.0f) << k;
    EXPECT_EQ(p.jobs[size_t(k)].dst, (long long)k * 3 * 336 * 336) << k;
  }
  EXPECT_NE(p.jobs[6].pad[0], 0.0f);
  const Image a = generate_image(480, 640, 1, 0, Layout::HWC), b = generate_image(1000, 300, 1, 1, Layout::HWC),
              c = generate_image(336, 336, 1, 2, Layout::HWC);
  const std::vector<float> out = run_reference(p, {a.view(), b.view(), c.view()});
  const size_t slot = 3 * 336 * 336;
  for (size_t i = 9 * slot; i < 10 * slot; ++i) ASSERT_EQ(out[i], 0.0f);
  EXPECT_EQ(out[6 * slot], p.jobs[6].pad[0]);  // top-left of the first patch of image 1: left padding
}

// SPEC.md §5: Pillow's 22-bit coefficients for 1024 -> 384, output 0 (independently recomputed there).
TEST(Pillow, FixedPointTableMatchesWorkedExample) {
  const FixedTable t = pillow_fixed_table(1024, 384, Filter::Bicubic);
  ASSERT_EQ(t.count[0], 7);
  const std::vector<int32_t> want = {1357984, 1678094, 1096189, 261175, -104842, -91194, -3102};
  EXPECT_EQ(std::vector<int32_t>(t.k.begin(), t.k.begin() + 7), want);
  EXPECT_EQ(std::accumulate(want.begin(), want.end(), 0), 1 << 22);
}

TEST(Pillow, FiltersAreNormalizedAndSupported) {
  for (Filter f : {Filter::Box, Filter::Bilinear, Filter::Hamming, Filter::Bicubic, Filter::Lanczos}) {
    const WeightTable t = make_aa_table(500, 123, f);
    for (int i = 0; i < t.out; ++i) {
      double s = 0;
      for (int j = 0; j < t.count[i]; ++j) s += t.row(i)[j];
      ASSERT_NEAR(s, 1.0, 1e-12) << filter_name(f);
    }
    EXPECT_EQ(t.stride, int(std::ceil(filter_support(f) * 500.0 / 123.0)) * 2 + 1) << filter_name(f);
  }
  EXPECT_DOUBLE_EQ(filter_eval(Filter::Box, 0.5), 1.0);  // (-0.5, 0.5]
  EXPECT_DOUBLE_EQ(filter_eval(Filter::Box, -0.5), 0.0);
  EXPECT_NEAR(filter_eval(Filter::Lanczos, 1.5), -0.13509, 1e-5);  // sinc(1.5) sinc(0.5) = (-2/(3pi))(2/pi)
  EXPECT_THROW(make_plain_table(10, 5, Filter::Lanczos), std::invalid_argument);
}

TEST(Pillow, PilModeIsUnsupportedByVariantsAndTheRightErrorElsewhere) {
  std::string why;
  VariantInfo v;
  v.name = "x";
  EXPECT_FALSE(v.supports("clip-vit-b32", Layout::HWC, DType::F32, Mode::Pil, why));
  EXPECT_NE(why.find("pil"), std::string::npos);
}
