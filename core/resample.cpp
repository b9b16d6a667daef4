#include "core/resample.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace pb {

const char* filter_name(Filter f) {
  switch (f) {
    case Filter::Bilinear: return "bilinear";
    case Filter::Bicubic: return "bicubic";
    case Filter::Lanczos: return "lanczos";
    case Filter::Box: return "box";
    case Filter::Hamming: return "hamming";
  }
  return "?";
}

double filter_support(Filter f) {
  switch (f) {
    case Filter::Box: return 0.5;
    case Filter::Bilinear:
    case Filter::Hamming: return 1.0;
    case Filter::Bicubic: return 2.0;
    case Filter::Lanczos: return 3.0;
  }
  return 1.0;
}

static double sinc(double x) {
  if (x == 0.0) return 1.0;
  x *= M_PI;
  return std::sin(x) / x;
}

double filter_eval(Filter f, double x) {
  switch (f) {
    case Filter::Bilinear: return filter_triangle(x);
    case Filter::Bicubic: return filter_cubic_aa(x);
    case Filter::Box: return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
    case Filter::Hamming: {
      x = std::fabs(x);
      if (x == 0.0) return 1.0;
      if (x >= 1.0) return 0.0;
      x *= M_PI;
      return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));  // Pillow's float literals, promoted to double
    }
    case Filter::Lanczos: return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3.0) : 0.0;
  }
  return 0.0;
}

int WeightTable::max_count() const {
  int m = 0;
  for (int c : count) m = std::max(m, c);
  return m;
}

Span WeightTable::span(int a, int b) const {
  if (a >= b) return {};
  int lo = start[size_t(a)], hi = lo;
  for (int i = a; i < b; ++i) {
    lo = std::min(lo, start[size_t(i)]);
    hi = std::max(hi, start[size_t(i)] + count[size_t(i)]);
  }
  return {lo, hi - lo};
}

static void check_sizes(int in, int out) {
  if (in <= 0 || out <= 0)
    throw std::invalid_argument("resample: sizes must be positive (in=" + std::to_string(in) +
                                ", out=" + std::to_string(out) + ")");
}

WeightTable make_aa_table(int in, int out, Filter f) {
  check_sizes(in, out);
  const double support1 = filter_support(f);
  WeightTable t;
  t.in = in;
  t.out = out;
  t.stride = aa_window(in, out, support1, 0).stride;
  t.start.resize(out);
  t.count.resize(out);
  t.w.assign(size_t(out) * t.stride, 0.0);
  for (int i = 0; i < out; ++i) {
    const AaWindow win = aa_window(in, out, support1, i);
    double* w = t.w.data() + size_t(i) * t.stride;
    double total = 0.0;
    for (int j = 0; j < win.xsize; ++j) {
      const double arg = (j + win.xmin - win.center + 0.5) * win.invscale;
      w[j] = filter_eval(f, arg);
      total += w[j];
    }
    if (total != 0.0)
      for (int j = 0; j < win.xsize; ++j) w[j] /= total;
    t.start[i] = win.xmin;
    t.count[i] = win.xsize;
  }
  return t;
}

static double keys_cc1(double x, double a) { return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0; }
static double keys_cc2(double x, double a) { return ((a * x - 5.0 * a) * x + 8.0 * a) * x - 4.0 * a; }

WeightTable make_plain_table(int in, int out, Filter f) {
  check_sizes(in, out);
  if (f != Filter::Bilinear && f != Filter::Bicubic)
    throw std::invalid_argument(std::string("no non-antialiased table for ") + filter_name(f));
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
