#include "harness/roofline.hpp"

namespace pb {

double separable_flops(const Plan& plan) {
  double flops = 0;
  for (const Job& j : plan.jobs) {
    if (j.ya >= j.yb || j.xa >= j.xb) continue;  // wholly padding
    const WeightTable& ht = plan.htable(j);
    const WeightTable& vt = plan.vtable(j);
    double vtaps = 0, htaps = 0;
    for (int y = j.ya; y < j.yb; ++y) vtaps += vt.count[size_t(y)];
    for (int x = j.xa; x < j.xb; ++x) htaps += ht.count[size_t(x)];
    flops += 3.0 * (2.0 * htaps * (j.r1 - j.r0) + 2.0 * vtaps * (j.xb - j.xa) + 2.0 * double(j.yb - j.ya) * (j.xb - j.xa));
  }
  return flops;
}

}  // namespace pb
