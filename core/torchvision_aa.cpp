// Built with -ffp-contract=off (CMakeLists.txt): every fused multiply-add here is an explicit std::fma, and the
// compiler must not fuse any other product into a sum, or the emulation stops being the kernel's arithmetic.
#include "core/torchvision_aa.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "core/parallel.hpp"

namespace pb {

namespace {

float cubic(float x) {
  if (x < 0.0f) x = -x;
  if (x < 1.0f) return std::fma(std::fma(x, 1.5f, -2.5f) * x, x, 1.0f);
  if (x < 2.0f) return std::fma(std::fma(x - 5.0f, x, 8.0f), x, -4.0f) * -0.5f;
  return 0.0f;
}

float triangle(float x) {
  if (x < 0.0f) x = -x;
  return x < 1.0f ? 1.0f - x : 0.0f;
}

}  // namespace

TvAxis torchvision_aa_axis(int in, int out, Filter f) {
  if (f != Filter::Bicubic && f != Filter::Bilinear)
    throw std::invalid_argument(std::string("torchvision has no antialiased CUDA resize for ") + filter_name(f));
  const int size = f == Filter::Bicubic ? 4 : 2;  // the filter functor's `size`
  const float scale = float(in) / float(out);
  const float support = scale >= 1.0f ? float(size) * 0.5f * scale : float(size) * 0.5f;
  const float invscale = scale >= 1.0f ? 1.0f / scale : 1.0f;  // ATen writes 1.0 / scale in double: the same float
  TvAxis a;
  a.stride = int(std::ceil(support)) * 2 + 1;
  a.start.resize(size_t(out));
  a.count.resize(size_t(out));
  a.w.assign(size_t(out) * size_t(a.stride), 0.0f);
  for (int i = 0; i < out; ++i) {
    const float hi = float(i) + 0.5f;  // center = scale * hi is never rounded on its own: each use fuses it
    const int xmin = std::max(int(std::fma(hi, scale, -support) + 0.5f), 0);
    const int xsize = std::min(std::min(int(std::fma(hi, scale, support) + 0.5f), in) - xmin, a.stride);
    const float xmin_m_center = std::fma(-hi, scale, float(xmin));
    float* w = a.w.data() + size_t(i) * size_t(a.stride);
    float total = 0.0f;
    for (int j = 0; j < xsize; ++j) {
      const float x = ((float(j) + xmin_m_center) + 0.5f) * invscale;
      w[j] = f == Filter::Bicubic ? cubic(x) : triangle(x);
      total += w[j];
    }
    if (total != 0.0f)
      for (int j = 0; j < xsize; ++j) w[j] /= total;
    a.start[size_t(i)] = xmin;
    a.count[size_t(i)] = std::max(xsize, 0);
  }
  return a;
}

std::vector<float> torchvision_aa_window(const ImageView& src, int rh, int rw, Filter f, int ya, int yb, int xa,
                                         int xb) {
  const int ny = std::max(yb - ya, 0), nx = std::max(xb - xa, 0);
  std::vector<float> out(size_t(3) * size_t(ny) * size_t(nx), 0.0f);
  if (ny == 0 || nx == 0) return out;
  if (rh == src.h && rw == src.w) {
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < ny; ++y)
        for (int x = 0; x < nx; ++x) out[(size_t(c) * ny + y) * nx + x] = float(src.at(c, ya + y, xa + x));
    return out;
  }
  const TvAxis ax = torchvision_aa_axis(src.w, rw, f), ay = torchvision_aa_axis(src.h, rh, f);
  // The kernel's horizontal value for (source row r, output column x) depends on nothing else, so it is computed
  // once per row the window's vertical taps reach (the kernel recomputes it per output row: same value).
  int r0 = src.h, r1 = 0;
  for (int y = ya; y < yb; ++y) {
    r0 = std::min(r0, ay.start[size_t(y)]);
    r1 = std::max(r1, ay.start[size_t(y)] + ay.count[size_t(y)]);
  }
  const int nr = std::max(r1 - r0, 0);
  std::vector<float> tmp(size_t(3) * size_t(nr) * size_t(nx));
  parallel_for(size_t(nr), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r)
      for (int c = 0; c < 3; ++c)
        for (int x = 0; x < nx; ++x) {
          const int n = ax.count[size_t(xa + x)], s = ax.start[size_t(xa + x)];
          const float* w = ax.w.data() + size_t(xa + x) * size_t(ax.stride);
          float acc = n > 0 ? float(src.at(c, r0 + int(r), s)) * w[0] : 0.0f;
          for (int k = 1; k < n; ++k) acc = std::fma(float(src.at(c, r0 + int(r), s + k)), w[k], acc);
          tmp[(size_t(c) * nr + r) * nx + size_t(x)] = acc;
        }
  });
  parallel_for(size_t(ny), [&](size_t b, size_t e) {
    for (size_t yi = b; yi < e; ++yi) {
      const int y = ya + int(yi), n = ay.count[size_t(y)], s = ay.start[size_t(y)] - r0;
      const float* w = ay.w.data() + size_t(y) * size_t(ay.stride);
      for (int c = 0; c < 3; ++c)
        for (int x = 0; x < nx; ++x) {
          const float* col = tmp.data() + size_t(c) * nr * nx + size_t(x);
          float acc = n > 0 ? col[size_t(s) * nx] * w[0] : 0.0f;
          for (int k = 1; k < n; ++k) acc = std::fma(col[size_t(s + k) * nx], w[k], acc);
          out[(size_t(c) * ny + yi) * nx + size_t(x)] = acc;
        }
    }
  });
  return out;
}

}  // namespace pb
