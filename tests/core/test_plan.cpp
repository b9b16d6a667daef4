#include <gtest/gtest.h>

#include <set>

#include "core/layout.hpp"
#include "core/plan.hpp"

using namespace pb;

TEST(Plan, SiglipFixedSize) {
  const Plan p = make_plan(find_pipeline("siglip-so400m-384"), {{480, 640}, {1000, 37}}, Mode::Float);
  ASSERT_EQ(p.jobs.size(), 2u);
  EXPECT_EQ(p.out_shape, (std::vector<long long>{2, 3, 384, 384}));
  EXPECT_EQ(p.jobs[1].dst, 3LL * 384 * 384);
  EXPECT_EQ(p.jobs[1].rh, 384);
  EXPECT_EQ(p.jobs[1].src_w, 37);
  EXPECT_TRUE(p.grid_thw.empty());
}

TEST(Plan, ClipFoldsCropIntoWindow) {
  const Plan p = make_plan(find_pipeline("clip-vit-b32"), {{480, 640}}, Mode::Hf);
  const Job& j = p.jobs[0];
  EXPECT_EQ(j.rh, 224);
  EXPECT_EQ(j.rw, 298);
  EXPECT_EQ(j.x0, 37);
  EXPECT_EQ(j.y0, 0);
  EXPECT_EQ(p.out_shape, (std::vector<long long>{1, 3, 224, 224}));
}

TEST(Plan, Dinov2UsesShortestEdge256Crop224) {
  const Plan p = make_plan(find_pipeline("dinov2-small"), {{1080, 1920}}, Mode::Float);
  EXPECT_EQ(p.jobs[0].rh, 256);
  EXPECT_EQ(p.jobs[0].rw, 455);
  EXPECT_EQ(p.jobs[0].y0, 16);
  EXPECT_EQ(p.jobs[0].x0, 115);
}

TEST(Plan, QwenGridRowsAndShape) {
  const Plan p = make_plan(find_pipeline("qwen2.5-vl-7b"), {{480, 640}, {20, 30}}, Mode::Hf);
  ASSERT_EQ(p.grid_thw.size(), 2u);
  EXPECT_EQ(p.grid_thw[0], (std::array<long long, 3>{1, 34, 46}));  // 476/14, 644/14
  EXPECT_EQ(p.grid_thw[1], (std::array<long long, 3>{1, 4, 6}));    // 56x84
  EXPECT_EQ(p.jobs[1].dst, 34 * 46);
  EXPECT_EQ(p.out_shape, (std::vector<long long>{34 * 46 + 24, 1176}));
}

TEST(Plan, RejectsEmptyBatchZeroSizeAndExtremeAspect) {
  EXPECT_THROW(make_plan(find_pipeline("clip-vit-b32"), {}, Mode::Float), std::invalid_argument);
  EXPECT_THROW(make_plan(find_pipeline("clip-vit-b32"), {{0, 10}}, Mode::Float), GeometryError);
  EXPECT_THROW(make_plan(find_pipeline("qwen2.5-vl-7b"), {{10, 2100}}, Mode::Float), GeometryError);
  EXPECT_THROW(find_pipeline("siglip-224"), std::invalid_argument);
}

TEST(Plan, HfEpilogueConstantsFollowHfFusion) {
  const Epilogue e = make_epilogue(find_pipeline("clip-vit-b32"), Mode::Hf);
  EXPECT_EQ(e.mean255[0], float(0.48145466) * 255.0f);
  EXPECT_EQ(e.std255[2], float(0.27577711) * 255.0f);
  EXPECT_EQ(e.mode, Mode::Hf);
  // a zero padding pixel, normalized as HF does: (0 - mean255) / std255 in float32
  const Plan p = make_plan(find_pipeline("clip-vit-b32"), {{100, 120}}, Mode::Hf);
  EXPECT_EQ(p.jobs[0].pad[1], (0.0f - e.mean255[1]) / e.std255[1]);
  const Epilogue s = make_epilogue(find_pipeline("siglip-so400m-384"), Mode::Float);
  EXPECT_FLOAT_EQ(s.scale[0], 1.0f / 127.5f);
  EXPECT_FLOAT_EQ(s.bias[0], -1.0f);
}

// qwen_index against the literal HF recipe: view (B, gt, T, C, gh/m, m, P, gw/m, m, P), permute
// (0,1,4,7,5,8,3,2,6,9), reshape (gt*gh*gw, C*T*P*P), evaluated by strides.
TEST(Layout, QwenIndexEqualsHfViewPermute) {
  const int P = 14, m = 2, T = 2, C = 3, gh = 6, gw = 4, H = gh * P, W = gw * P;
  Job j;
  j.h = H;
  j.w = W;
  j.dst = 5;  // rows already taken by earlier images
  const QwenGrid q{P, m, T};
  // dims of the view and the row-major strides of the (T, C, H, W) source (gt = 1, B = 1)
  const long long dims[8] = {T, C, gh / m, m, P, gw / m, m, P};
  long long stride[8];
  stride[7] = 1;
  for (int d = 6; d >= 0; --d) stride[d] = stride[d + 1] * dims[d + 1];
  const int perm[8] = {2, 5, 3, 6, 1, 0, 4, 7};  // permute (4,7,5,8,3,2,6,9) minus the two leading axes
  std::vector<long long> src_of_dst(size_t(gh * gw) * 1176);
  long long flat = 0;
  std::vector<long long> idx(8, 0);
  for (idx[0] = 0; idx[0] < dims[perm[0]]; ++idx[0])
    for (idx[1] = 0; idx[1] < dims[perm[1]]; ++idx[1])
      for (idx[2] = 0; idx[2] < dims[perm[2]]; ++idx[2])
        for (idx[3] = 0; idx[3] < dims[perm[3]]; ++idx[3])
          for (idx[4] = 0; idx[4] < dims[perm[4]]; ++idx[4])
            for (idx[5] = 0; idx[5] < dims[perm[5]]; ++idx[5])
              for (idx[6] = 0; idx[6] < dims[perm[6]]; ++idx[6])
                for (idx[7] = 0; idx[7] < dims[perm[7]]; ++idx[7]) {
                  long long s = 0;
                  for (int d = 0; d < 8; ++d) s += idx[d] * stride[perm[d]];
                  src_of_dst[size_t(flat++)] = s;
                }
  for (int tt = 0; tt < T; ++tt)
    for (int c = 0; c < C; ++c)
      for (int y = 0; y < H; ++y)
        for (int x = 0; x < W; ++x) {
          const long long d = qwen_index(j, q, c, y, x, tt) - j.dst * 1176;
          ASSERT_GE(d, 0);
          ASSERT_LT(d, (long long)src_of_dst.size());
          const long long src = ((long long)(tt * C + c) * H + y) * W + x;
          ASSERT_EQ(src_of_dst[size_t(d)], src) << "c " << c << " y " << y << " x " << x << " t " << tt;
        }
}

TEST(Layout, QwenIndexHandExample) {
  // 56x56 image, pixel (c=1, y=15, x=29, t=1): by=1 py=1 bx=2 px=1 -> bh=0 mh=1 bw=1 mw=0, gm=2
  // r = ((0*2+1)*2+1)*2+0 = 6 ; k = ((1*2+1)*14+1)*14+1 = 603
  Job j;
  j.h = j.w = 56;
  EXPECT_EQ(qwen_index(j, {14, 2, 2}, 1, 15, 29, 1), 6 * 1176 + 603);
}

TEST(Layout, NchwIndexIsDense) {
  Job j;
  j.h = 3;
  j.w = 4;
  j.dst = 100;
  std::set<long long> seen;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < 3; ++y)
      for (int x = 0; x < 4; ++x) seen.insert(nchw_index(j, c, y, x));
  EXPECT_EQ(seen.size(), 36u);
  EXPECT_EQ(*seen.begin(), 100);
  EXPECT_EQ(*seen.rbegin(), 135);
}

TEST(Plan, ChannelsLastMovesTheChannelAxisLast) {
  Plan siglip = make_plan(find_pipeline("siglip-so400m-384"), {{300, 500}, {40, 60}}, Mode::Hf);
  to_channels_last(siglip);
  EXPECT_EQ(siglip.layout, DstLayout::NHWC);
  EXPECT_EQ(siglip.out_shape, (std::vector<long long>{2, 384, 384, 3}));
  EXPECT_EQ(siglip.jobs[1].dst, 3LL * 384 * 384);  // the slots do not move
  Plan llava = make_plan(find_pipeline("llava-next-336"), {{300, 500}}, Mode::Hf);
  const std::vector<long long> s = llava.out_shape;
  to_channels_last(llava);
  EXPECT_EQ(llava.out_shape, (std::vector<long long>{s[0], s[1], 336, 336, 3}));
  Plan qwen = make_plan(find_pipeline("qwen2.5-vl-7b"), {{300, 500}}, Mode::Hf);
  try {
    to_channels_last(qwen);
    ADD_FAILURE() << "Qwen's patch rows have no channels-last form";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no channels-last form"), std::string::npos) << e.what();
  }
}

TEST(Layout, NhwcIndexHandExample) {
  Job j;
  j.h = 3;
  j.w = 4;
  j.dst = 100;
  // (c=2, y=1, x=3): 100 + (1 * 4 + 3) * 3 + 2
  EXPECT_EQ(nhwc_index(j, 2, 1, 3), 123);
  EXPECT_EQ(nhwc_index(j, 0, 0, 1), 103);
}

// cv-utils' square mode with a crop_size: resized to (64, 80), then a center crop of (32, 40) at
// top (64 - 32) / 2 = 16, left (80 - 40) / 2 = 20.
TEST(Plan, FixedSizeWithCenterCrop) {
  PipelineSpec s = find_pipeline("siglip-so400m-384");
  s.height = 64;
  s.width = 80;
  s.crop_height = 32;
  s.crop_width = 40;
  check_spec(s);
  const Plan p = make_plan(s, {{100, 120}}, Mode::Hf);
  const Job& j = p.jobs[0];
  EXPECT_EQ(j.rh, 64);
  EXPECT_EQ(j.rw, 80);
  EXPECT_EQ(j.y0, 16);
  EXPECT_EQ(j.x0, 20);
  EXPECT_EQ(j.h, 32);
  EXPECT_EQ(j.w, 40);
  EXPECT_EQ(p.out_shape, (std::vector<long long>{1, 3, 32, 40}));
}

// resize_normalize_patchify's target sizes replace smart_resize: 56x84 is 4x6 patches of 14, grid (1, 4, 6).
TEST(Plan, QwenExplicitTargetSizes) {
  const PipelineSpec& q = find_pipeline("qwen2.5-vl-7b");
  const Plan p = make_plan(q, {{300, 400}, {60, 50}}, Mode::Hf, {{56, 84}, {28, 28}});
  EXPECT_EQ(p.jobs[0].rh, 56);
  EXPECT_EQ(p.jobs[0].rw, 84);
  EXPECT_EQ(p.grid_thw[0], (std::array<long long, 3>{1, 4, 6}));
  EXPECT_EQ(p.grid_thw[1], (std::array<long long, 3>{1, 2, 2}));
  EXPECT_EQ(p.out_shape, (std::vector<long long>{24 + 4, 1176}));
  EXPECT_THROW(make_plan(q, {{300, 400}}, Mode::Hf, {{30, 28}}), GeometryError);  // not a multiple of 28
  EXPECT_THROW(make_plan(q, {{300, 400}}, Mode::Hf, {{28, 28}, {28, 28}}), std::invalid_argument);  // count
  EXPECT_THROW(make_plan(find_pipeline("clip-vit-b32"), {{300, 400}}, Mode::Hf, {{28, 28}}), std::invalid_argument);
}

TEST(Plan, CheckSpecNamesWhatIsMissing) {
  for (const auto& p : all_pipelines()) EXPECT_NO_THROW(check_spec(p)) << p.name;
  auto message = [](const PipelineSpec& s) {
    try {
      check_spec(s);
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  PipelineSpec s = find_pipeline("siglip-so400m-384");
  s.width = 0;
  EXPECT_NE(message(s).find("height and width"), std::string::npos);
  s = find_pipeline("clip-vit-b32");
  s.std[1] = 0.0;
  EXPECT_NE(message(s).find("image_std non-zero"), std::string::npos);
  s = find_pipeline("qwen2.5-vl-7b");
  s.max_pixels = 10;
  EXPECT_NE(message(s).find("min_pixels <= max_pixels"), std::string::npos);
  s = find_pipeline("llava-next-336");
  s.pinpoints.push_back({100, 336});
  EXPECT_NE(message(s).find("multiples of base_size"), std::string::npos);
  s = find_pipeline("siglip-so400m-384");
  s.rescale = -1;
  EXPECT_NE(message(s).find("rescale_factor"), std::string::npos);
}

// LLaVA-NeXT's batch padding: an image with fewer patches than the batch's largest gets slots of zeros, planned as
// jobs whose window holds no pixel of their (1x1) image in either axis, so that a design banding one axis at a time
// reads no source for them (with column 0 inside, the tensor-core designs staged whole source rows: 2015 taps).
TEST(Plan, LlavaBatchPaddingJobsReadNothing) {
  // 300 x 500 -> 3 patches (grid 336 x 672 + base), 900 x 900 -> 5 (672 x 672 + base)
  const Plan p = make_plan(find_pipeline("llava-next-336"), {{300, 500}, {900, 900}}, Mode::Hf);
  ASSERT_EQ(p.num_patches, (std::vector<long long>{3, 5}));
  int padding = 0;
  for (const Job& j : p.jobs) {
    if (j.rh != 1 || j.rw != 1) {
      EXPECT_GT((long long)(j.yb - j.ya) * (j.xb - j.xa), 0);
      continue;
    }
    ++padding;
    EXPECT_EQ(j.ya, j.yb);
    EXPECT_EQ(j.xa, j.xb);
    EXPECT_EQ(j.r0, j.r1);
    for (int c = 0; c < 3; ++c) EXPECT_EQ(j.pad[c], 0.0f);
  }
  EXPECT_EQ(padding, 2);
}
