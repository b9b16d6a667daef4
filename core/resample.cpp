#include "core/resample.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pb {

const char* filter_name(Filter f) { return f == Filter::Bilinear ? "bilinear" : "bicubic"; }

int WeightTable::max_count() const {
  int m = 0;
  for (int c : count) m = std::max(m, c);
  return m;
}

static void check_sizes(int in, int out) {
  if (in <= 0 || out <= 0)
    throw std::invalid_argument("resample: sizes must be positive (in=" + std::to_string(in) +
                                ", out=" + std::to_string(out) + ")");
}

WeightTable make_aa_table(int in, int out, Filter f) {
  check_sizes(in, out);
  const int interp = filter_interp_size(f);
  const double scale = double(in) / double(out);
  const double support = aa_support(in, out, interp);
  const double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
  WeightTable t;
  t.in = in;
  t.out = out;
  t.stride = int(std::ceil(support)) * 2 + 1;
  t.start.resize(out);
  t.count.resize(out);
  t.w.assign(size_t(out) * t.stride, 0.0);
  for (int i = 0; i < out; ++i) {
    const double center = scale * (i + 0.5);
    // trunc (C cast toward zero), not floor: ATen and Pillow both cast.
    const int xmin = std::max(int(center - support + 0.5), 0);
    int xsize = std::min(int(center + support + 0.5), in) - xmin;
    xsize = std::clamp(xsize, 0, t.stride);
    double* w = t.w.data() + size_t(i) * t.stride;
    double total = 0.0;
    for (int j = 0; j < xsize; ++j) {
      const double arg = (j + xmin - center + 0.5) * invscale;
      w[j] = f == Filter::Bilinear ? filter_triangle(arg) : filter_cubic_aa(arg);
      total += w[j];
    }
    if (total != 0.0)
      for (int j = 0; j < xsize; ++j) w[j] /= total;
    t.start[i] = xmin;
    t.count[i] = xsize;
  }
  return t;
}

static double keys_cc1(double x, double a) { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0; }
static double keys_cc2(double x, double a) { return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a; }

WeightTable make_plain_table(int in, int out, Filter f) {
  check_sizes(in, out);
  const double scale = double(in) / double(out);
  WeightTable t;
  t.in = in;
  t.out = out;
  t.stride = f == Filter::Bilinear ? 2 : 4;
  t.start.resize(out);
  t.count.resize(out);
  t.w.assign(size_t(out) * t.stride, 0.0);
  for (int i = 0; i < out; ++i) {
    double* w = t.w.data() + size_t(i) * t.stride;
    if (f == Filter::Bilinear) {
      if (in == out) {  // ATen copies when the axis is unchanged
        t.start[i] = i;
        t.count[i] = 1;
        w[0] = 1.0;
        continue;
      }
      const double src = std::max(scale * (i + 0.5) - 0.5, 0.0);
      const int i0 = std::min(int(std::floor(src)), in - 1);
      const double l1 = std::clamp(src - i0, 0.0, 1.0);
      const int i1 = i0 + (i0 < in - 1 ? 1 : 0);
      t.start[i] = i0;
      t.count[i] = i1 - i0 + 1;
      w[0] = 1.0 - l1;
      w[t.count[i] - 1] += l1;
    } else {
      const double a = -0.75;
      const double src = scale * (i + 0.5) - 0.5;  // not clamped for cubic
      const int i0 = int(std::floor(src));
      const double tt = src - i0;
      const double coeff[4] = {keys_cc2(tt + 1.0, a), keys_cc1(tt, a), keys_cc1(1.0 - tt, a), keys_cc2(2.0 - tt, a)};
      const int lo = std::clamp(i0 - 1, 0, in - 1);
      const int hi = std::clamp(i0 + 2, 0, in - 1);
      t.start[i] = lo;
      t.count[i] = hi - lo + 1;
      for (int k = 0; k < 4; ++k) w[std::clamp(i0 - 1 + k, 0, in - 1) - lo] += coeff[k];
    }
  }
  return t;
}

}  // namespace pb
