#include "harness/parity.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace pb {

double mode_tolerance(const PipelineSpec& spec, Mode mode) {
  if (mode == Mode::Float) return kFloatTol;
  double step = 0;
  for (int c = 0; c < 3; ++c) step = std::max(step, 1.0 / (255.0 * spec.std[c]));
  return step + kExactTol;  // one uint8 step, plus float32 slack on the step itself
}

ParityResult check_parity(const std::vector<float>& ref, const std::vector<float>& out, const PipelineSpec& spec,
                          Mode mode, DType dtype) {
  ParityResult p;
  p.tol = mode_tolerance(spec, mode);
  p.elements = (long long)ref.size();
  if (out.size() != ref.size()) {
    p.reason = "output has " + std::to_string(out.size()) + " elements, reference " + std::to_string(ref.size());
    return p;
  }
  double sum_d2 = 0, sum_r2 = 0;
  long long over = 0, inexact = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    if (!std::isfinite(out[i])) {
      ++p.unwritten;
      continue;
    }
    const double d = std::fabs(double(out[i]) - double(ref[i]));
    // bf16 rounds the variant's value, which may sit a uint8 step away from the reference: bound its rounding by
    // the larger magnitude of the two.
    const double mag = std::max(std::fabs(double(ref[i])), std::fabs(double(out[i])));
    const double allow = p.tol + (dtype == DType::BF16 ? mag * (1.0 / 256.0) : 0.0);
    p.max_abs = std::max(p.max_abs, d);
    sum_d2 += d * d;
    sum_r2 += double(ref[i]) * double(ref[i]);
    over += d > allow;
    inexact += d > kExactTol;
  }
  const double n = double(std::max<size_t>(ref.size(), 1));
  p.rms = std::sqrt(sum_d2 / n);
  p.rel_l2 = sum_r2 > 0 ? std::sqrt(sum_d2 / sum_r2) : 0.0;
  p.frac_over_tol = double(over) / n;
  p.frac_inexact = double(inexact) / n;
  if (p.unwritten) {
    p.reason = std::to_string(p.unwritten) + " elements unwritten or not finite (NaN poison survived)";
  } else if (over) {
    p.reason = std::to_string(over) + " elements beyond tolerance (max abs " + std::to_string(p.max_abs) + ")";
  } else if (mode == Mode::Hf && dtype == DType::F32 && p.frac_inexact > 1.0 - kHfMinExact) {
    p.reason = "only " + std::to_string(100.0 * (1.0 - p.frac_inexact)) + "% of elements within 1e-5 (need 99.9%)";
  }
  p.ok = p.reason.empty();
  return p;
}

std::vector<float> widen_output(const void* host, size_t elems, DType dtype) {
  std::vector<float> v(elems);
  if (dtype == DType::F32) {
    std::memcpy(v.data(), host, elems * 4);
  } else {
    const uint16_t* b = static_cast<const uint16_t*>(host);
    for (size_t i = 0; i < elems; ++i) {
      const uint32_t bits = uint32_t(b[i]) << 16;
      std::memcpy(&v[i], &bits, 4);
    }
  }
  return v;
}

}  // namespace pb
