#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "core/hd.hpp"

namespace pb {

// Bilinear and Bicubic exist in torchvision and Pillow; Lanczos, Box and Hamming only in Pillow (pil mode).
enum class Filter { Bilinear, Bicubic, Lanczos, Box, Hamming };

const char* filter_name(Filter f);
// Half-width of the filter at scale 1 (Pillow's `support`; torchvision's interp_size / 2).
double filter_support(Filter f);
// The filter kernel (SPEC.md §1.2, §2), as Pillow and ATen evaluate it in double.
double filter_eval(Filter f, double x);

// Kernel functions of SPEC.md §1.2 (antialiased path): triangle and Keys cubic with a = -0.5.
PB_HD double filter_triangle(double x) {
  x = x < 0 ? -x : x;
  return x < 1.0 ? 1.0 - x : 0.0;
}
PB_HD double filter_cubic_aa(double x) {
  const double a = -0.5;
  x = x < 0 ? -x : x;
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1.0;
  if (x < 2.0) return (((x - 5.0) * x + 8.0) * x - 4.0) * a;
  return 0.0;
}

// Output i of an antialiased table (SPEC.md §1.2) reads inputs [xmin, xmin + xsize); input xmin + j weighs
// filter((j + xmin - center + 0.5) * invscale), normalized by the sum over the window. Shared by make_aa_table and
// the kernels that compute their weights on the fly. `support1` is the filter's support at scale 1.
struct AaWindow {
  int xmin = 0, xsize = 0;
  int stride = 0;  // the table's row stride: the widest window any output of this axis can have
  double center = 0.0, invscale = 1.0;
};
PB_HD AaWindow aa_window(int in, int out, double support1, int i) {
  const double scale = double(in) / double(out);
  const double support = scale >= 1.0 ? support1 * scale : support1;
  AaWindow w;
  w.stride = int(ceil(support)) * 2 + 1;
  w.invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
  w.center = scale * (i + 0.5);
  // trunc (C cast toward zero), not floor: ATen and Pillow both cast.
  const int lo = int(w.center - support + 0.5), hi = int(w.center + support + 0.5);
  w.xmin = lo > 0 ? lo : 0;
  const int n = (hi < in ? hi : in) - w.xmin;
  w.xsize = n < 0 ? 0 : n > w.stride ? w.stride : n;
  return w;
}

// A run of indices [lo, lo + n).
struct Span {
  int lo = 0, n = 0;
};

// One axis of a separable resize: output i reads inputs [start[i], start[i] + count[i]) with weights
// w[i * stride + j]. Non-antialiased tables fold taps clamped at the border onto the edge tap, so every
// table is a contiguous window (exact in real arithmetic; SPEC.md §1.5 does the same).
struct WeightTable {
  int in = 0;
  int out = 0;
  int stride = 0;  // kmax: the widest window any output can have
  std::vector<int> start;
  std::vector<int> count;
  std::vector<double> w;

  const double* row(int i) const { return w.data() + size_t(i) * stride; }
  int max_count() const;
  // The inputs that outputs [a, b) read; empty when a >= b.
  Span span(int a, int b) const;
};

// Antialiased table (torchvision antialias=True), SPEC.md §1.2. Double precision, as ATen for float64 input.
WeightTable make_aa_table(int in, int out, Filter f);
// Non-antialiased tables (antialias=False), SPEC.md §1.3: Keys a=-0.75 bicubic, or bilinear.
WeightTable make_plain_table(int in, int out, Filter f);
inline WeightTable make_table(int in, int out, Filter f, bool antialias) {
  return antialias ? make_aa_table(in, out, f) : make_plain_table(in, out, f);
}


}  // namespace pb
