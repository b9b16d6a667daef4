#pragma once
#include <vector>

namespace pb {

struct Summary {
  double median = 0, min = 0, max = 0, p10 = 0, p25 = 0, p75 = 0, p90 = 0, iqr = 0, mean = 0;
  int n = 0;
};

// Quantiles by linear interpolation between order statistics (numpy's default), so p50 of an even count is the
// mean of the middle two.
double quantile(std::vector<double> v, double q);
Summary summarize(const std::vector<double>& samples);

}  // namespace pb
