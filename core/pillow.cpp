#include "core/pillow.hpp"

namespace pb {

FixedTable pillow_fixed_table(int in, int out, Filter f) {
  const WeightTable t = make_aa_table(in, out, f);
  FixedTable q;
  q.stride = t.stride;
  q.start = t.start;
  q.count = t.count;
  q.k.assign(t.w.size(), 0);
  const double one = double(1 << kPillowPrecisionBits);
  for (size_t i = 0; i < t.w.size(); ++i)  // trunc toward zero of w * 2^22 -/+ 0.5 (normalize_coeffs_8bpc)
    q.k[i] = t.w[i] < 0 ? int32_t(-0.5 + t.w[i] * one) : int32_t(0.5 + t.w[i] * one);
  return q;
}

static inline uint8_t clip8(int64_t acc) {
  if (acc >= (int64_t(1) << kPillowPrecisionBits << 8)) return 255;
  if (acc <= 0) return 0;
  return uint8_t(acc >> kPillowPrecisionBits);
}

std::vector<uint8_t> pillow_resize(const ImageView& src, int rh, int rw, Filter f) {
  const int h = src.h, w = src.w;
  // current image, channels first
  std::vector<uint8_t> cur(size_t(3) * h * w);
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) cur[(size_t(c) * h + y) * w + x] = src.at(c, y, x);
  int ch = h, cw = w;
  if (rw != w) {  // horizontal pass
    const FixedTable t = pillow_fixed_table(w, rw, f);
    std::vector<uint8_t> next(size_t(3) * ch * rw);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < ch; ++y) {
        const uint8_t* row = cur.data() + (size_t(c) * ch + y) * cw;
        for (int x = 0; x < rw; ++x) {
          int64_t acc = int64_t(1) << (kPillowPrecisionBits - 1);
          const int32_t* k = t.k.data() + size_t(x) * t.stride;
          for (int j = 0; j < t.count[x]; ++j) acc += int64_t(k[j]) * row[t.start[x] + j];
          next[(size_t(c) * ch + y) * rw + x] = clip8(acc);
        }
      }
    cur.swap(next);
    cw = rw;
  }
  if (rh != h) {  // vertical pass
    const FixedTable t = pillow_fixed_table(h, rh, f);
    std::vector<uint8_t> next(size_t(3) * rh * cw);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < rh; ++y) {
        const int32_t* k = t.k.data() + size_t(y) * t.stride;
        for (int x = 0; x < cw; ++x) {
          int64_t acc = int64_t(1) << (kPillowPrecisionBits - 1);
          for (int j = 0; j < t.count[y]; ++j) acc += int64_t(k[j]) * cur[(size_t(c) * ch + t.start[y] + j) * cw + x];
          next[(size_t(c) * rh + y) * cw + x] = clip8(acc);
        }
      }
    cur.swap(next);
  }
  return cur;
}

}  // namespace pb
