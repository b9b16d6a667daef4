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

// The plan's tables in float, indexed as plan.tables.
class FloatTables {
 public:
  FloatTables() = default;
  explicit FloatTables(const Plan& plan);
  const FloatTable& h(const Job& j) const { return t_[size_t(j.htab)]; }  // src_w -> rw
  const FloatTable& v(const Job& j) const { return t_[size_t(j.vtab)]; }  // src_h -> rh

 private:
  std::vector<FloatTable> t_;
};

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

VariantInfo cpu_info(const char* name, const char* description);

}  // namespace pb::cpu
