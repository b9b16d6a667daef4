#include <gtest/gtest.h>

#include "core/geometry.hpp"

using namespace pb;

namespace {
void expect_shape(ImageShape got, int h, int w) {
  EXPECT_EQ(got.h, h);
  EXPECT_EQ(got.w, w);
}
}  // namespace

// SPEC.md §3.d vectors (max_pixels 12845056 unless stated).
TEST(Geometry, SmartResizeSpecVectors) {
  const long long mn = 3136, mx = 12845056;
  expect_shape(smart_resize(480, 640, 28, mn, mx), 476, 644);
  expect_shape(smart_resize(1080, 1920, 28, mn, mx), 1092, 1932);
  expect_shape(smart_resize(42, 70, 28, mn, mx), 56, 56);
  expect_shape(smart_resize(20, 30, 28, mn, mx), 56, 84);
  expect_shape(smart_resize(4000, 6000, 28, mn, mx), 2912, 4368);
  expect_shape(smart_resize(8000, 8000, 28, mn, mx), 3584, 3584);
  expect_shape(smart_resize(1080, 1920, 28, mn, 1003520), 728, 1316);
}

TEST(Geometry, SmartResizeRoundsHalfToEven) {
  // 42 / 28 = 1.5 -> 2 (even), 70 / 28 = 2.5 -> 2 (even): 56 x 56 -> 3136 = min_pixels, no rescale
  expect_shape(smart_resize(42, 70, 28, 3136, 12845056), 56, 56);
  // 98 / 28 = 3.5 -> 4; 126 / 28 = 4.5 -> 4
  expect_shape(smart_resize(98, 126, 28, 3136, 12845056), 112, 112);
}

TEST(Geometry, SmartResizeRejectsAspectOver200) {
  EXPECT_NO_THROW(smart_resize(10, 2000, 28, 3136, 12845056));  // exactly 200 is allowed
  EXPECT_THROW(smart_resize(10, 2001, 28, 3136, 12845056), GeometryError);
  EXPECT_THROW(smart_resize(5000, 24, 28, 3136, 12845056), GeometryError);
  EXPECT_THROW(smart_resize(0, 24, 28, 3136, 12845056), GeometryError);
}

TEST(Geometry, ShortestEdgeSpecExamples) {
  expect_shape(shortest_edge_size({480, 640}, 224), 224, 298);    // CLIP, SPEC §3.b
  expect_shape(shortest_edge_size({1080, 1920}, 256), 256, 455);  // DINOv2, SPEC §3.c
  expect_shape(shortest_edge_size({640, 480}, 224), 298, 224);
  expect_shape(shortest_edge_size({300, 300}, 224), 224, 224);
  expect_shape(shortest_edge_size({10, 1000}, 224), 224, 22400);
  EXPECT_THROW(shortest_edge_size({0, 5}, 224), GeometryError);
}

TEST(Geometry, CenterCropFloorRule) {
  Window w = center_crop_window({224, 298}, 224, 224);  // SPEC §3.b: left 37
  EXPECT_EQ(w.y0, 0);
  EXPECT_EQ(w.x0, 37);
  w = center_crop_window({256, 455}, 224, 224);  // SPEC §3.c: top 16, left 115 (5.x floor)
  EXPECT_EQ(w.y0, 16);
  EXPECT_EQ(w.x0, 115);
  EXPECT_EQ(w.h, 224);
  EXPECT_EQ(w.w, 224);
}

TEST(Geometry, CenterCropLargerThanImagePadsLikeTorchvision) {
  // torchvision pads ((cw - W) // 2, (ch - H) // 2) on the left / top: 200 -> 224 pads 12, 101 -> 224 pads 61.
  const Window w = center_crop_window({200, 101}, 224, 224);
  EXPECT_EQ(w.y0, -12);
  EXPECT_EQ(w.x0, -61);
}
