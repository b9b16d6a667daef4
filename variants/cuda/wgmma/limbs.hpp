#pragma once
// Design E's weights (variants/cuda/wgmma/): the int8 tensor cores multiply the uint8 source by signed 8-bit
// weights, so each horizontal weight of an output column becomes `limbs` signed base-128 digits of
// round(w * 2^shift), one power-of-two scale per column. Host-only: the kernel's setup and the CPU emulation of its
// numerics (tests/core/test_design_e_numerics.cpp) both call this, so the emulation measures what the kernel runs.
#include <algorithm>
#include <cmath>
#include <vector>

namespace pb::cuda::wgmma {

// digits[j * limbs + k]: k = 0 the top digit, in [-128, 127]; the others in [-64, 63]. The value of weight j is
// sum_k digits[j * limbs + k] * 2^(7 (limbs - 1 - k) - shift).
struct Limbs {
  int limbs = 0, shift = 0;
  std::vector<int> digits;
  double scale(int k) const { return std::ldexp(1.0, 7 * (limbs - 1 - k) - shift); }
};

// The shift is chosen so that the largest weight fills the top digit (|top| in [64, 128)); a weight that rounds
// past 127 there takes one bit less.
inline Limbs split_limbs(const double* w, int n, int limbs) {
  double wmax = 0;
  for (int j = 0; j < n; ++j) wmax = std::max(wmax, std::fabs(w[j]));
  int e = 0;
  std::frexp(wmax, &e);  // wmax = m * 2^e, m in [0.5, 1); 0 gives e = 0 (all digits 0)
  for (int top_bits = 7;; --top_bits) {
    Limbs l{limbs, top_bits - e + 7 * (limbs - 1), std::vector<int>(size_t(n) * limbs)};
    bool fits = true;
    for (int j = 0; j < n && fits; ++j) {
      long long r = std::llround(std::ldexp(w[j], l.shift));
      for (int k = limbs - 1; k > 0; --k) {
        const long long digit = ((r + 64) & 127) - 64;
        l.digits[size_t(j) * limbs + k] = int(digit);
        r = (r - digit) / 128;
      }
      fits = r >= -128 && r <= 127;
      l.digits[size_t(j) * limbs] = int(r);
    }
    if (fits) return l;
  }
}

}  // namespace pb::cuda::wgmma
