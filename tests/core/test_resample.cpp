#include <gtest/gtest.h>

#include <cmath>

#include "core/resample.hpp"

using namespace pb;

namespace {
void expect_row(const WeightTable& t, int i, int start, const std::vector<double>& w, double tol) {
  ASSERT_EQ(t.start[i], start) << "output " << i;
  ASSERT_EQ(t.count[i], int(w.size())) << "output " << i;
  for (size_t j = 0; j < w.size(); ++j) EXPECT_NEAR(t.row(i)[j], w[j], tol) << "output " << i << " tap " << j;
}
}  // namespace

// SPEC.md §5, values recomputed there with an independent double-precision script.
TEST(Resample, AaBicubic1024To384MatchesWorkedExample) {
  const WeightTable t = make_aa_table(1024, 384, Filter::Bicubic);
  EXPECT_EQ(t.stride, 13);
  expect_row(t, 0, 0,
             {0.32376867327318443, 0.40008874426859931, 0.2613518710249963, 0.062268895133855896,
              -0.024996302322141693, -0.021742345806833308, -0.0007395355716609969},
             1e-12);
  expect_row(t, 192, 508,
             {-0.005348, -0.025915, -0.010284, 0.114493, 0.300151, 0.370904, 0.242287, 0.057727, -0.023173,
              -0.020156, -0.000686},
             5e-7);  // SPEC prints these to 6 decimals
  // i = 383 mirrors i = 0
  ASSERT_EQ(t.start[383], 1017);
  ASSERT_EQ(t.count[383], 7);
  for (int j = 0; j < 7; ++j) EXPECT_NEAR(t.row(383)[j], t.row(0)[6 - j], 1e-13);
}

TEST(Resample, AaBicubicRawWeightSumMatchesWorkedExample) {
  // Σ raw = 2.4759521484375 for i = 0: the first weight times that sum is f(-0.3125) = 0.8016357422
  const WeightTable t = make_aa_table(1024, 384, Filter::Bicubic);
  EXPECT_NEAR(t.row(0)[0] * 2.4759521484375, 0.8016357421875, 1e-12);
}

TEST(Resample, AaBilinear1024To384MatchesWorkedExample) {
  const WeightTable t = make_aa_table(1024, 384, Filter::Bilinear);
  EXPECT_EQ(t.stride, 7);
  expect_row(t, 0, 0, {0.289474, 0.394737, 0.236842, 0.078947}, 5e-7);
  expect_row(t, 192, 511, {0.116279, 0.255814, 0.348837, 0.209302, 0.069767}, 5e-7);
}

TEST(Resample, AaBilinearHandComputed4To2) {
  // scale 2, support 2, centre 1: taps 0..2 at arguments -0.25, 0.25, 0.75 -> 0.75, 0.75, 0.25, / 1.75
  const WeightTable t = make_aa_table(4, 2, Filter::Bilinear);
  expect_row(t, 0, 0, {3.0 / 7, 3.0 / 7, 1.0 / 7}, 1e-15);
  expect_row(t, 1, 1, {1.0 / 7, 3.0 / 7, 3.0 / 7}, 1e-15);
}

TEST(Resample, KeysBicubicNoAntialiasMatchesWorkedExample) {
  // SPEC §5: i = 0, src 0.8333, taps [0, 0, 1, 2] -> the two taps at index 0 fold together.
  const WeightTable t = make_plain_table(1024, 384, Filter::Bicubic);
  expect_row(t, 0, 0, {-0.017361 + 0.160880, 0.943287, -0.086806}, 1e-6);
}

TEST(Resample, PlainBilinearIdentityAndHandCase) {
  const WeightTable id = make_plain_table(7, 7, Filter::Bilinear);
  for (int i = 0; i < 7; ++i) expect_row(id, i, i, {1.0}, 0);
  // 2 -> 4: src = 0.5 * (i + 0.5) - 0.5 clamped at 0: -0.25 -> 0, 0.25, 0.75, 1.25 -> i0 = 1 (last), single tap
  const WeightTable up = make_plain_table(2, 4, Filter::Bilinear);
  expect_row(up, 0, 0, {1.0, 0.0}, 1e-15);
  expect_row(up, 1, 0, {0.75, 0.25}, 1e-15);
  expect_row(up, 2, 0, {0.25, 0.75}, 1e-15);
  expect_row(up, 3, 1, {1.0}, 1e-15);
}

TEST(Resample, UpscalingSupportIsNotWidened) {
  const WeightTable t = make_aa_table(100, 384, Filter::Bicubic);
  EXPECT_EQ(t.stride, 5);  // ceil(2) * 2 + 1
  for (int i = 0; i < t.out; ++i) EXPECT_LE(t.count[i], 4);
}

TEST(Resample, EveryRowSumsToOneAndStaysInRange) {
  const int sizes[] = {1, 2, 3, 7, 37, 224, 256, 383, 384, 1000, 1024, 4093};
  for (bool aa : {true, false})
    for (Filter f : {Filter::Bilinear, Filter::Bicubic})
      for (int in : sizes)
        for (int out : sizes) {
          const WeightTable t = make_table(in, out, f, aa);
          for (int i = 0; i < out; ++i) {
            ASSERT_GE(t.start[i], 0);
            ASSERT_GE(t.count[i], 1);
            ASSERT_LE(t.start[i] + t.count[i], in);
            ASSERT_LE(t.count[i], t.stride);
            double s = 0;
            for (int j = 0; j < t.count[i]; ++j) s += t.row(i)[j];
            ASSERT_NEAR(s, 1.0, 1e-12) << (aa ? "aa " : "plain ") << filter_name(f) << " " << in << "->" << out;
          }
        }
}

TEST(Resample, RejectsNonPositiveSizes) {
  EXPECT_THROW(make_aa_table(0, 4, Filter::Bicubic), std::invalid_argument);
  EXPECT_THROW(make_plain_table(4, 0, Filter::Bilinear), std::invalid_argument);
}
