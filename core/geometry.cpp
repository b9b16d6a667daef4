#include "core/geometry.hpp"

#include <algorithm>
#include <cmath>

namespace pb {

static void check_positive(ImageShape s) {
  if (s.h <= 0 || s.w <= 0)
    throw GeometryError("image has zero size (" + std::to_string(s.h) + "x" + std::to_string(s.w) + ")");
}

ImageShape shortest_edge_size(ImageShape in, int shortest_edge) {
  check_positive(in);
  const bool w_short = in.w <= in.h;
  const int short_side = w_short ? in.w : in.h;
  const int long_side = w_short ? in.h : in.w;
  const int new_long = int(double(shortest_edge) * long_side / short_side);
  return w_short ? ImageShape{new_long, shortest_edge} : ImageShape{shortest_edge, new_long};
}

static int crop_origin(int size, int crop) {
  // int((size - crop) / 2.0) truncates toward zero; when crop > size that equals -((crop - size) // 2),
  // which is exactly torchvision's top/left padding.
  return size >= crop ? (size - crop) / 2 : -((crop - size) / 2);
}

Window center_crop_window(ImageShape in, int crop_h, int crop_w) {
  check_positive(in);
  if (crop_h <= 0 || crop_w <= 0) throw GeometryError("crop size must be positive");
  return {crop_origin(in.h, crop_h), crop_origin(in.w, crop_w), crop_h, crop_w};
}

ImageShape smart_resize(int h, int w, int factor, long long min_pixels, long long max_pixels) {
  check_positive({h, w});
  const double ratio = double(std::max(h, w)) / double(std::min(h, w));
  if (ratio > 200.0)
    throw GeometryError("absolute aspect ratio must be smaller than 200, got " + std::to_string(ratio) + " (" +
                        std::to_string(h) + "x" + std::to_string(w) + ")");
  // Python round() is round-half-even; nearbyint in the default rounding mode is too.
  long long hb = (long long)std::nearbyint(double(h) / factor) * factor;
  long long wb = (long long)std::nearbyint(double(w) / factor) * factor;
  const double area = double((long long)h * w);
  if (hb * wb > max_pixels) {
    const double beta = std::sqrt(area / double(max_pixels));
    hb = std::max<long long>(factor, (long long)std::floor(h / beta / factor) * factor);
    wb = std::max<long long>(factor, (long long)std::floor(w / beta / factor) * factor);
  } else if (hb * wb < min_pixels) {
    const double beta = std::sqrt(double(min_pixels) / area);
    hb = (long long)std::ceil(h * beta / factor) * factor;
    wb = (long long)std::ceil(w * beta / factor) * factor;
  }
  return {int(hb), int(wb)};
}

}  // namespace pb
