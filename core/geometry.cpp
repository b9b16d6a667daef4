#include "core/geometry.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

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

TileGrid internvl_grid(ImageShape in, int tile, int min_tiles, int max_tiles) {
  check_positive(in);
  std::vector<TileGrid> cands;  // (cols, rows), columns outer, then stable-sorted by tile count
  for (int c = 1; c <= max_tiles; ++c)
    for (int r = 1; r <= max_tiles; ++r)
      if (c * r >= min_tiles && c * r <= max_tiles) cands.push_back({c, r});
  std::stable_sort(cands.begin(), cands.end(), [](const TileGrid& a, const TileGrid& b) { return a.cols * a.rows < b.cols * b.rows; });
  const double aspect = double(in.w) / double(in.h);
  const double area = double(in.w) * double(in.h);
  TileGrid best;
  double best_diff = std::numeric_limits<double>::infinity();
  for (const TileGrid& g : cands) {
    const double diff = std::fabs(aspect - double(g.cols) / double(g.rows));
    if (diff < best_diff) {
      best_diff = diff;
      best = g;
    } else if (diff == best_diff && area > 0.5 * tile * tile * g.cols * g.rows) {  // exact ==, as transformers
      best = g;
    }
  }
  return best;
}

ImageShape llava_best_resolution(ImageShape in, const std::vector<std::array<int, 2>>& pinpoints) {
  check_positive(in);
  if (pinpoints.empty()) throw GeometryError("no grid pinpoints");
  ImageShape best{0, 0};
  long long best_effective = 0;
  double best_waste = std::numeric_limits<double>::infinity();
  for (const auto& p : pinpoints) {
    const double scale = std::min(double(p[1]) / in.w, double(p[0]) / in.h);
    const long long dw = (long long)(in.w * scale), dh = (long long)(in.h * scale);
    const long long effective = std::min(dw * dh, (long long)in.w * in.h);
    const double waste = double(p[0]) * p[1] - double(effective);
    if (effective > best_effective || (effective == best_effective && waste < best_waste)) {
      best_effective = effective;
      best_waste = waste;
      best = {p[0], p[1]};
    }
  }
  return best;
}

ImageShape llava_fit_size(ImageShape in, ImageShape target) {
  check_positive(in);
  const double sw = double(target.w) / in.w, sh = double(target.h) / in.h;
  if (sw < sh) return {std::min(int(std::ceil(in.h * sw)), target.h), target.w};
  return {target.h, std::min(int(std::ceil(in.w * sh)), target.w)};
}

}  // namespace pb
