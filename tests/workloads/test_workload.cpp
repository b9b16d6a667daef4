#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "workloads/workload.hpp"

using namespace pb;

TEST(Workload, ParsesNames) {
  WorkloadSpec w = parse_workload("ragged-n32-384-1024");
  EXPECT_EQ(w.kind, "ragged");
  EXPECT_EQ(w.n, 32);
  EXPECT_EQ(w.lo, 384);
  EXPECT_EQ(w.hi, 1024);
  w = parse_workload("uniform-n8-512");
  EXPECT_EQ(w.lo, 512);
  EXPECT_EQ(w.hi, 512);
  for (const char* bad : {"", "ragged", "ragged-32-384-1024", "ragged-n32-384", "uniform-n32-512-600", "foo-n3-10-20",
                          "ragged-n0-10-20", "ragged-n3-20-10", "ragged-n3-0-10", "uniform-n2-99999", "ragged-nx-1-2",
                          "aspect-n8-300-400"})
    EXPECT_THROW(parse_workload(bad), std::invalid_argument) << bad;
}

TEST(Workload, ShapesRespectBoundsAndAreDeterministic) {
  const WorkloadSpec w = parse_workload("ragged-n64-384-1024");
  const auto a = workload_shapes(w), b = workload_shapes(w);
  ASSERT_EQ(a.size(), 64u);
  EXPECT_EQ(a, b);
  int distinct_h = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_GE(a[i].h, 384);
    EXPECT_LE(a[i].h, 1024);
    EXPECT_GE(a[i].w, 384);
    EXPECT_LE(a[i].w, 1024);
    distinct_h += i > 0 && a[i].h != a[i - 1].h;
  }
  EXPECT_GT(distinct_h, 50);  // ragged really is ragged
  EXPECT_NE(workload_shapes(parse_workload("ragged-n64-384-1024", 1)), a);  // the seed matters
}

TEST(Workload, AspectWorkloadIsExtreme) {
  const auto s = workload_shapes(parse_workload("aspect-n8-32-4096"));
  for (size_t i = 0; i < s.size(); ++i) {
    const int shorter = std::min(s[i].h, s[i].w), longer = std::max(s[i].h, s[i].w);
    EXPECT_GE(longer / shorter, 16);
    EXPECT_EQ(s[i].h > s[i].w, i % 2 == 1);
  }
}

TEST(Workload, ImagesAreDeterministicAndPhotoLike) {
  const Image a = generate_image(300, 400, 5, 2, Layout::HWC);
  const Image b = generate_image(300, 400, 5, 2, Layout::HWC);
  EXPECT_EQ(a.pixels, b.pixels);
  EXPECT_NE(a.pixels, generate_image(300, 400, 5, 3, Layout::HWC).pixels);
  // CHW is the same picture, transposed
  EXPECT_EQ(generate_image(300, 400, 5, 2, Layout::CHW).pixels, a.to_layout(Layout::CHW).pixels);
  // never constant, never all zeros; smooth areas (small neighbour differences) and hard edges (large ones)
  int small = 0, large = 0, zeros = 0;
  const ImageView v = a.view();
  for (int y = 0; y < 300; ++y)
    for (int x = 1; x < 400; ++x) {
      const int d = std::abs(int(v.at(1, y, x)) - int(v.at(1, y, x - 1)));
      small += d <= 12;
      large += d >= 40;
      zeros += v.at(1, y, x) == 0;
    }
  EXPECT_GT(small, 300 * 399 / 2);
  EXPECT_GT(large, 100);
  EXPECT_LT(zeros, 300 * 399 / 10);
  const auto [mn, mx] = std::minmax_element(a.pixels.begin(), a.pixels.end());
  EXPECT_GT(int(*mx) - int(*mn), 100);
}

TEST(Workload, TinyImagesWork) {
  for (int s : {1, 2, 3}) {
    const Image img = generate_image(s, s + 1, 1, 0, Layout::HWC);
    EXPECT_EQ(img.pixels.size(), size_t(s) * (s + 1) * 3);
  }
}
