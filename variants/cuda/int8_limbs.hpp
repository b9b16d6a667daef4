#pragma once
// The weights of the int8 tensor-core designs (E: variants/cuda/wgmma/, F: variants/cuda/imma/): the tensor cores
// multiply the uint8 source by signed 8-bit weights, so each horizontal weight of an output column becomes `limbs`
// signed base-128 digits of round(w * 2^shift), one power-of-two scale per column. Host-only: the kernel's setup and the CPU emulation of its
// numerics (tests/core/test_design_e_numerics.cpp) both call this, so the emulation measures what the kernel runs.
#include <algorithm>
#include <cmath>
#include <vector>

namespace pb::cuda {

// digits[j * limbs + k]: k = 0 the top digit, in [-128, 127]; the others in [-64, 63]. The value of weight j is
// sum_k digits[j * limbs + k] * 2^(7 (limbs - 1 - k) - shift).
struct Limbs {
  int limbs = 0, shift = 0;
  std::vector<int> digits;
  double scale(int k) const { return std::ldexp(1.0, 7 * (limbs - 1 - k) - shift); }
};

// The weights round(w * 2^shift) as `limbs` digits; false where a top digit leaves [-128, 127].
inline bool limbs_at_shift(const double* w, int n, int limbs, int shift, Limbs& l) {
  l = Limbs{limbs, shift, std::vector<int>(size_t(n) * limbs)};
  for (int j = 0; j < n; ++j) {
    long long r = std::llround(std::ldexp(w[j], shift));
    for (int k = limbs - 1; k > 0; --k) {
      const long long digit = ((r + 64) & 127) - 64;
      l.digits[size_t(j) * limbs + k] = int(digit);
      r = (r - digit) / 128;
    }
    if (r < -128 || r > 127) return false;
    l.digits[size_t(j) * limbs] = int(r);
  }
  return true;
}

// The shift is chosen so that the largest weight fills the top digit (|top| in [64, 128)); a weight that rounds
// past 127 there takes one bit less.
inline Limbs split_limbs(const double* w, int n, int limbs) {
  double wmax = 0;
  for (int j = 0; j < n; ++j) wmax = std::max(wmax, std::fabs(w[j]));
  int e = 0;
  std::frexp(wmax, &e);  // wmax = m * 2^e, m in [0.5, 1); 0 gives e = 0 (all digits 0)
  Limbs l;
  int top_bits = 7;
  while (!limbs_at_shift(w, n, limbs, top_bits - e + 7 * (limbs - 1), l)) --top_bits;
  return l;
}

// Weight j's quantised value, sum_k digits * 128^(limbs - 1 - k) (= round(w_j 2^shift)).
inline long long limb_value(const Limbs& l, int j) {
  long long v = 0;
  for (int k = 0; k < l.limbs; ++k) v = v * 128 + l.digits[size_t(j) * l.limbs + k];
  return v;
}

// Design F (docs/design-log.md, session 10): all limbs chained in one s32 accumulator (limb 0's products, then
// C <<= 7 and limb 1's, ...), which then holds sum_j src_j round(w_j 2^shift) exactly only while that stays below
// 2^31 for any uint8 source: split_limbs's shift, lowered until 255 sum_j |round(w_j 2^shift)| < 2^31.
inline Limbs split_limbs_chained(const double* w, int n, int limbs) {
  Limbs l = split_limbs(w, n, limbs);
  for (;;) {
    long long sum = 0;
    for (int j = 0; j < n; ++j) sum += std::llabs(limb_value(l, j));
    if (255 * sum < (1LL << 31)) return l;
    limbs_at_shift(w, n, limbs, l.shift - 1, l);  // a smaller shift only shrinks the digits: it fits
  }
}

}  // namespace pb::cuda
