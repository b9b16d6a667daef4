#include <gtest/gtest.h>

#include <cmath>

#include <array>

#include "core/layout.hpp"
#include "core/pillow.hpp"
#include "core/reference.hpp"
#include "workloads/workload.hpp"

using namespace pb;

namespace {

// Independent, slow evaluation of SPEC.md §1.2 for one output pixel: the 2-D sum of wy * wx * pixel with the
// weights recomputed here from the kernel definition (no WeightTable).
double direct_aa_bicubic(const ImageView& img, int c, int rh, int rw, int oy, int ox) {
  auto weights = [](int in, int out, int i, int& lo, std::vector<double>& w) {
    const double scale = double(in) / out, support = scale >= 1 ? 2 * scale : 2.0;
    const double inv = scale >= 1 ? 1 / scale : 1.0, center = scale * (i + 0.5);
    lo = std::max(int(center - support + 0.5), 0);
    const int hi = std::min(int(center + support + 0.5), in);
    w.clear();
    double s = 0;
    for (int x = lo; x < hi; ++x) {
      const double t = std::fabs((x - center + 0.5) * inv);
      const double v = t < 1 ? (1.5 * t - 2.5) * t * t + 1 : (t < 2 ? ((-0.5 * t + 2.5) * t - 4) * t + 2 : 0);
      w.push_back(v);
      s += v;
    }
    for (double& v : w) v /= s;
  };
  int ylo, xlo;
  std::vector<double> wy, wx;
  weights(img.h, rh, oy, ylo, wy);
  weights(img.w, rw, ox, xlo, wx);
  double acc = 0;
  for (size_t a = 0; a < wy.size(); ++a)
    for (size_t b = 0; b < wx.size(); ++b) acc += wy[a] * wx[b] * img.at(c, ylo + int(a), xlo + int(b));
  return acc;
}

}  // namespace

TEST(Reference, MatchesDirect2DEvaluationWithCropAndBothLayouts) {
  const PipelineSpec& spec = find_pipeline("clip-vit-b32");
  for (Layout layout : {Layout::HWC, Layout::CHW}) {
    const Image img = generate_image(301, 250, 7, 0, layout);  // -> 269x224, crop top 22
    for (Mode mode : {Mode::Float, Mode::Hf}) {
      const Plan plan = make_plan(spec, {img.shape()}, mode);
      const Job& j = plan.jobs[0];
      ASSERT_EQ(j.rh, 269);
      ASSERT_EQ(j.y0, 22);
      const std::vector<float> out = run_reference(plan, {img.view()});
      for (int c = 0; c < 3; ++c)
        for (int y = 0; y < 224; y += 7)
          for (int x = 0; x < 224; x += 5) {
            const double v = direct_aa_bicubic(img.view(), c, j.rh, j.rw, y + j.y0, x + j.x0);
            float expect;
            if (mode == Mode::Float) {
              expect = float((v / 255.0 - spec.mean[c]) / spec.std[c]);
            } else {
              const double q = std::nearbyint(std::min(255.0, std::max(0.0, v)));
              // hf resizes in torchvision's float32 (core/torchvision_aa.hpp, tested bit-exact against torchvision
              // in test_golden.cpp): within float32's error of a .5 tie (~1e-4 here) it may round either way
              if (std::fabs(std::fabs(v - std::trunc(v)) - 0.5) < 1e-3) continue;
              expect = (float(q) - float(spec.mean[c]) * 255.0f) / (float(spec.std[c]) * 255.0f);
            }
            ASSERT_NEAR(out[size_t(nchw_index(j, c, y, x))], expect, 2e-6) << mode_name(mode) << " c" << c << " y" << y << " x" << x;
          }
    }
  }
}

TEST(Reference, ConstantImageStaysConstant) {
  Image img;
  img.h = 97;
  img.w = 971;
  img.pixels.assign(size_t(97) * 971 * 3, 200);
  for (const auto& spec : all_pipelines()) {
    const Plan plan = make_plan(spec, {img.shape()}, Mode::Float);
    const std::vector<float> out = run_reference(plan, {img.view()});
    ASSERT_EQ(out.size(), size_t(plan.out_elems));
    // every value is its channel's (200/255 - mean)/std, or padding (LLaVA-NeXT pads the aspect-kept resize)
    size_t constant = 0;
    for (size_t i = 0; i < out.size(); ++i) {
      bool is_constant = false, is_pad = false;
      for (int c = 0; c < 3; ++c) {
        is_constant |= std::fabs(out[i] - (200.0 / 255.0 - spec.mean[c]) / spec.std[c]) < 1e-5;
        is_pad |= out[i] == plan.jobs[0].pad[c] || out[i] == 0.0f;
      }
      ASSERT_TRUE(is_constant || (is_pad && spec.name == "llava-next-336")) << spec.name << " element " << i << " = " << out[i];
      constant += is_constant;
    }
    EXPECT_GT(constant, out.size() / 3) << spec.name;
  }
}

TEST(Reference, CropLargerThanImageWritesNormalizedZeroPadding) {
  PipelineSpec spec = find_pipeline("clip-vit-b32");
  spec.shortest_edge = 100;
  spec.crop_height = 120;
  spec.crop_width = 110;  // 100x150 resized -> pad 10 rows top/bottom, crop 20 columns each side
  const Image img = generate_image(80, 120, 3, 0, Layout::HWC);
  for (Mode mode : {Mode::Float, Mode::Hf}) {
    const Plan plan = make_plan(spec, {img.shape()}, mode);
    const Job& j = plan.jobs[0];
    ASSERT_EQ(j.rh, 100);
    ASSERT_EQ(j.rw, 150);
    ASSERT_EQ(j.y0, -10);
    ASSERT_EQ(j.x0, 20);
    const std::vector<float> out = run_reference(plan, {img.view()});
    for (int c = 0; c < 3; ++c) {
      const float pad = mode == Mode::Float ? float(-spec.mean[c] / spec.std[c]) : plan.jobs[0].pad[c];
      for (int x = 0; x < 110; ++x) {
        EXPECT_EQ(out[size_t(nchw_index(j, c, 0, x))], pad);
        EXPECT_EQ(out[size_t(nchw_index(j, c, 9, x))], pad);
        EXPECT_EQ(out[size_t(nchw_index(j, c, 110, x))], pad);
      }
      int real_equal_pad = 0;  // the first real row is image content, not padding
      for (int x = 0; x < 110; ++x) real_equal_pad += out[size_t(nchw_index(j, c, 10, x))] == pad;
      EXPECT_LT(real_equal_pad, 55);
    }
  }
}

TEST(Reference, QwenWritesBothTemporalCopies) {
  const Image img = generate_image(60, 90, 11, 0, Layout::HWC);
  const Plan plan = make_plan(find_pipeline("qwen2.5-vl-7b"), {img.shape()}, Mode::Hf);
  const std::vector<float> out = run_reference(plan, {img.view()});
  const long long rows = plan.out_shape[0];
  for (long long r = 0; r < rows; ++r)
    for (int c = 0; c < 3; ++c)
      for (int k = 0; k < 196; ++k) ASSERT_EQ(out[size_t(r * 1176 + c * 392 + k)], out[size_t(r * 1176 + c * 392 + 196 + k)]);
}

TEST(Reference, RejectsBatchThatDoesNotMatchPlan) {
  const Image img = generate_image(60, 90, 11, 0, Layout::HWC);
  const Plan plan = make_plan(find_pipeline("clip-vit-b32"), {{61, 90}}, Mode::Hf);
  EXPECT_THROW(run_reference(plan, {img.view()}), std::invalid_argument);
  EXPECT_THROW(run_reference(plan, {}), std::invalid_argument);
}

// Channels last is the channels-first output with its channel axis moved last (numpy's transpose(0, 2, 3, 1),
// done here by hand), for a batch of two with a crop and for LLaVA-NeXT's (B, N, 3, P, P) patches.
TEST(Reference, ChannelsLastIsTheTransposedOutput) {
  const Image a = generate_image(60, 90, 11, 0, Layout::HWC), b = generate_image(75, 40, 11, 1, Layout::HWC);
  for (const char* name : {"clip-vit-b32", "llava-next-336"}) {
    SCOPED_TRACE(name);
    const Plan first = make_plan(find_pipeline(name), {a.shape(), b.shape()}, Mode::Float);
    Plan last = first;
    to_channels_last(last);
    const std::vector<float> nchw = run_reference(first, {a.view(), b.view()});
    const std::vector<float> nhwc = run_reference(last, {a.view(), b.view()});
    ASSERT_EQ(nchw.size(), nhwc.size());
    const size_t n = first.out_shape.size();
    const long long C = first.out_shape[n - 3], H = first.out_shape[n - 2], W = first.out_shape[n - 1];
    ASSERT_EQ(C, 3);
    const long long slots = first.out_elems / (C * H * W);
    for (long long s = 0; s < slots; ++s)
      for (long long c = 0; c < C; ++c)
        for (long long y = 0; y < H; ++y)
          for (long long x = 0; x < W; ++x)
            ASSERT_EQ(nhwc[size_t(((s * H + y) * W + x) * C + c)], nchw[size_t(((s * C + c) * H + y) * W + x)])
                << "slot " << s << " c " << c << " y " << y << " x " << x;
  }
}

// Pillow's resize of a window equals the same window cut from Pillow's whole resize, bit for bit, for up- and
// downscales on either axis, unchanged axes (a pass skipped) and windows touching the borders.
TEST(Reference, PillowWindowEqualsTheCropOfTheWholeResize) {
  const Image img = generate_image(37, 53, 11, 0, Layout::HWC);
  struct Shape {
    int rh, rw;
  } shapes[] = {{20, 90}, {80, 31}, {37, 70}, {15, 53}, {37, 53}};
  for (Filter f : {Filter::Bicubic, Filter::Lanczos, Filter::Box}) {
    for (const Shape& s : shapes) {
      const std::vector<uint8_t> whole = pillow_resize(img.view(), s.rh, s.rw, f);
      for (const auto& [ya, yb, xa, xb] : {std::array<int, 4>{0, s.rh, 0, s.rw}, std::array<int, 4>{3, s.rh - 2, 5, 9},
                                           std::array<int, 4>{s.rh - 1, s.rh, 0, 1}}) {
        SCOPED_TRACE(std::string(filter_name(f)) + " " + std::to_string(s.rh) + "x" + std::to_string(s.rw) +
                     " window " + std::to_string(ya) + "," + std::to_string(xa));
        const std::vector<uint8_t> win = pillow_resize_window(img.view(), s.rh, s.rw, f, ya, yb, xa, xb);
        const int ny = yb - ya, nx = xb - xa;
        ASSERT_EQ(win.size(), size_t(3) * ny * nx);
        for (int c = 0; c < 3; ++c)
          for (int y = 0; y < ny; ++y)
            for (int x = 0; x < nx; ++x)
              ASSERT_EQ(win[(size_t(c) * ny + y) * nx + x], whole[(size_t(c) * s.rh + ya + y) * s.rw + xa + x]);
      }
    }
  }
}

// A resize beyond 2^20 per side (an extreme aspect ratio under a shortest-edge rule) is refused by the planner,
// before any table is built: no mode may demand gigabytes for one small input.
TEST(Reference, ExtremeResizeIsRefusedNotAmplified) {
  EXPECT_THROW(make_plan(find_pipeline("clip-vit-b32"), {{1, 100000}}, Mode::Pil), GeometryError);
  EXPECT_NO_THROW(make_plan(find_pipeline("clip-vit-b32"), {{1, 3000}}, Mode::Pil));
}
