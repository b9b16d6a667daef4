#pragma once
// Weights computed on the fly from the job geometry (cuda_separable_mma_otf, the ablation of the fragment tables).
#include "core/resample.hpp"
#include "variants/cuda/mma/ptx.cuh"

namespace pb::cuda::mma {

// The taps of one resized coordinate of an antialiased table: inputs [lo, lo + n), input k weighs
// f((k - lo + d) * invs) * inv_total. The window and the normalization come from core's aa_window in double, as the
// tables do; the taps themselves are evaluated in float (their error, ~1e-7, is below the fp16 hi + lo split's).
struct AxisTaps {
  int lo = 0, n = 0;  // n = 0: outside the window or the resized image, every weight is 0
  float d = 0.0f, invs = 1.0f, inv_total = 0.0f;
};

__device__ __forceinline__ float aa_filter_f(bool cubic, float x) {
  x = fabsf(x);
  if (!cubic) return fmaxf(0.0f, 1.0f - x);
  return x < 1.0f ? (1.5f * x - 2.5f) * x * x + 1.0f : x < 2.0f ? (((x - 5.0f) * x + 8.0f) * x - 4.0f) * -0.5f : 0.0f;
}

__device__ inline AxisTaps axis_taps(int in, int out, int rc, bool cubic, double support1) {
  AxisTaps a;
  if (rc < 0 || rc >= out) return a;
  const AaWindow w = aa_window(in, out, support1, rc);
  double total = 0.0;
  for (int j = 0; j < w.xsize; ++j) {
    const double x = (j + w.xmin - w.center + 0.5) * w.invscale;
    total += cubic ? filter_cubic_aa(x) : filter_triangle(x);
  }
  a.lo = w.xmin;
  a.n = w.xsize;
  a.d = float(w.xmin - w.center + 0.5);
  a.invs = float(w.invscale);
  a.inv_total = total != 0.0 ? float(1.0 / total) : 0.0f;
  return a;
}

__device__ __forceinline__ float tap_weight(const AxisTaps& a, int k, bool cubic) {
  const int j = k - a.lo;
  return unsigned(j) < unsigned(a.n) ? aa_filter_f(cubic, (float(j) + a.d) * a.invs) * a.inv_total : 0.0f;
}

// Two weights as packed fp16 hi (low half = first) and lo = fp16(w - hi), as the tables hold them.
__device__ __forceinline__ uint2 split2(float w0, float w1) {
  const __half2 hi = __floats2half2_rn(w0, w1);
  const float2 back = __half22float2(hi);
  return make_uint2(as_u32(hi), as_u32(__floats2half2_rn(w0 - back.x, w1 - back.y)));
}

}  // namespace pb::cuda::mma
