#include "harness/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace pb {

static double sorted_quantile(const std::vector<double>& v, double q) {
  const double pos = q * double(v.size() - 1);
  const size_t lo = size_t(std::floor(pos));
  const size_t hi = std::min(lo + 1, v.size() - 1);
  return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

double quantile(std::vector<double> v, double q) {
  if (v.empty()) throw std::invalid_argument("quantile of an empty sample");
  std::sort(v.begin(), v.end());
  return sorted_quantile(v, q);
}

Summary summarize(const std::vector<double>& samples) {
  Summary s;
  s.n = int(samples.size());
  if (samples.empty()) return s;
  std::vector<double> v = samples;
  std::sort(v.begin(), v.end());
  s.min = v.front();
  s.max = v.back();
  s.median = sorted_quantile(v, 0.5);
  s.p10 = sorted_quantile(v, 0.10);
  s.p25 = sorted_quantile(v, 0.25);
  s.p75 = sorted_quantile(v, 0.75);
  s.p90 = sorted_quantile(v, 0.90);
  s.iqr = s.p75 - s.p25;
  s.mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
  return s;
}

}  // namespace pb
