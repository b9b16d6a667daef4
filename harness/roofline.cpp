#include "harness/roofline.hpp"

#include <algorithm>

#include "core/resample.hpp"

namespace pb {

double separable_flops(const Plan& plan) {
  double flops = 0;
  for (const Job& j : plan.jobs) {
    const WeightTable ht = make_table(j.src_w, j.rw, plan.filter, plan.antialias);
    const WeightTable vt = make_table(j.src_h, j.rh, plan.filter, plan.antialias);
    const int ya = std::max(j.y0, 0), yb = std::min(j.y0 + j.h, j.rh);
    const int xa = std::max(j.x0, 0), xb = std::min(j.x0 + j.w, j.rw);
    if (ya >= yb || xa >= xb) continue;
    int r0 = vt.start[ya], r1 = r0;
    double vtaps = 0, htaps = 0;
    for (int y = ya; y < yb; ++y) {
      r1 = std::max(r1, vt.start[y] + vt.count[y]);
      vtaps += vt.count[y];
    }
    for (int x = xa; x < xb; ++x) htaps += ht.count[x];
    flops += 3.0 * (2.0 * htaps * (r1 - r0) + 2.0 * vtaps * (xb - xa) + 2.0 * double(yb - ya) * (xb - xa));
  }
  return flops;
}

}  // namespace pb
