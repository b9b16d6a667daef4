#pragma once
// Destination index of window pixel (c, y, x) of a job; host and device share these so that every variant and
// the reference agree on the layout by construction. `J` is core's Job or the kernels' DevJob: anything with
// the job's window size (h, w) and destination (dst).
#include "core/hd.hpp"
#include "core/plan.hpp"

namespace pb {

template <typename J>
PB_HD long long nchw_index(const J& j, int c, int y, int x) {
  return j.dst + ((long long)c * j.h + y) * j.w + x;
}

template <typename J>
PB_HD long long nhwc_index(const J& j, int c, int y, int x) {
  return j.dst + ((long long)y * j.w + x) * 3 + c;
}

// SPEC.md §3.d: rows in groups of merge^2 (one merge window), columns (c, t, py, px). Frame tt in [0, T): a
// still image is repeated T times, so each pixel lands in T columns.
template <typename J>
PB_HD long long qwen_index(const J& j, const QwenGrid& q, int c, int y, int x, int tt) {
  const int P = q.patch, m = q.merge, T = q.temporal;
  const int by = y / P, py = y - by * P;
  const int bx = x / P, px = x - bx * P;
  const int gm = (j.w / P) / m;
  const long long r = (((long long)(by / m) * gm + bx / m) * m + by % m) * m + bx % m;
  const int k = ((c * T + tt) * P + py) * P + px;
  return (j.dst + r) * (3LL * T * P * P) + k;
}

// Calls f(index) for every place window pixel (c, y, x) of job j lands in the output: one, or T for Qwen.
template <typename J, typename F>
PB_HD void for_each_dst(DstLayout l, const QwenGrid& q, const J& j, int c, int y, int x, F&& f) {
  if (l == DstLayout::NCHW) {
    f(nchw_index(j, c, y, x));
  } else if (l == DstLayout::NHWC) {
    f(nhwc_index(j, c, y, x));
  } else {
    for (int tt = 0; tt < q.temporal; ++tt) f(qwen_index(j, q, c, y, x, tt));
  }
}

}  // namespace pb
