#pragma once
// Building blocks shared by the CPU variants: float weight tables, the horizontal and vertical passes, the
// epilogue and the output layouts. The variants differ only in how they compose these (the ablation axis).
#include <algorithm>
#include <cmath>
#include <vector>

#include "core/layout.hpp"
#include "core/plan.hpp"
#include "core/resample.hpp"
#include "variants/variant.hpp"

namespace pb::cpu {

// A WeightTable cast to float: the precision a float32 kernel computes with.
struct FloatTable {
  int stride = 0;
  std::vector<int> start, count;
  std::vector<float> w;
  const float* row(int i) const { return w.data() + size_t(i) * stride; }
};

struct JobTables {
  FloatTable h, v;  // horizontal: src_w -> rw; vertical: src_h -> rh
};

std::vector<JobTables> build_tables(const Plan& plan);

// Horizontal pass of source rows [r0, r1) for resized columns [xa, xb) into a channels-first buffer whose planes
// hold `plane_rows` rows, source row `out_row0` at row 0: out[(c * plane_rows + r - out_row0) * (xb - xa) + x - xa].
void h_pass(const ImageView& img, const FloatTable& t, int r0, int r1, int xa, int xb, float* out, int out_row0,
            int plane_rows);

// Vertical tap sum for resized row y over an H-pass buffer whose row index 0 is source row `row0`.
inline float v_tap(const FloatTable& t, int y, const float* col, size_t row_stride, int row0) {
  const float* w = t.row(y);
  const float* p = col + size_t(t.start[y] - row0) * row_stride;
  float acc = 0.0f;
  for (int k = 0; k < t.count[y]; ++k) acc += w[k] * p[size_t(k) * row_stride];
  return acc;
}

inline bool inside(const Job& j, int y, int x) {
  const int ry = j.y0 + y, rx = j.x0 + x;
  return ry >= 0 && ry < j.rh && rx >= 0 && rx < j.rw;
}

// Writes window pixel (c, y, x) of job j to its place(s) in the output.
inline void store(const Plan& plan, const Job& j, float* out, int c, int y, int x, float v) {
  for_each_dst(plan.layout, plan.qwen, j, c, y, x, [&](long long i) { out[i] = v; });
}

// Resized rows [ya, yb) of the part of the window inside the image.
inline int window_y0(const Job& j) { return std::max(j.y0, 0); }
inline int window_y1(const Job& j) { return std::min(j.y0 + j.h, j.rh); }
inline int window_x0(const Job& j) { return std::max(j.x0, 0); }
inline int window_x1(const Job& j) { return std::min(j.x0 + j.w, j.rw); }

VariantInfo cpu_info(const char* name, const char* description);

}  // namespace pb::cpu
