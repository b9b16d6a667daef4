#include "core/pillow.hpp"

#include <algorithm>

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

std::vector<uint8_t> pillow_resize_window(const ImageView& src, int rh, int rw, Filter f, int ya, int yb, int xa,
                                          int xb) {
  const int h = src.h, w = src.w, nx = xb - xa, ny = yb - ya;
  // The vertical pass (when it runs) reads source rows [r0, r1); the horizontal pass runs over just those.
  FixedTable vt;
  int r0 = ya, r1 = yb;
  if (rh != h) {
    vt = pillow_fixed_table(h, rh, f);
    r0 = h, r1 = 0;
    for (int y = ya; y < yb; ++y) {
      r0 = std::min(r0, vt.start[size_t(y)]);
      r1 = std::max(r1, vt.start[size_t(y)] + vt.count[size_t(y)]);
    }
    if (ny <= 0) r0 = r1 = 0;
  }
  const int nr = std::max(0, r1 - r0);
  std::vector<uint8_t> mid(size_t(3) * nr * std::max(nx, 0));  // rows [r0, r1), columns [xa, xb)
  const FixedTable ht = rw != w ? pillow_fixed_table(w, rw, f) : FixedTable{};
  for (int c = 0; c < 3; ++c)
    for (int r = 0; r < nr; ++r)
      for (int x = 0; x < nx; ++x) {
        uint8_t v;
        if (rw != w) {  // horizontal pass
          int64_t acc = int64_t(1) << (kPillowPrecisionBits - 1);
          const int32_t* k = ht.k.data() + size_t(xa + x) * ht.stride;
          for (int j = 0; j < ht.count[size_t(xa + x)]; ++j) acc += int64_t(k[j]) * src.at(c, r0 + r, ht.start[size_t(xa + x)] + j);
          v = clip8(acc);
        } else {
          v = src.at(c, r0 + r, xa + x);
        }
        mid[(size_t(c) * nr + r) * nx + x] = v;
      }
  if (rh == h) return mid;  // rows [ya, yb) are the source rows themselves
  std::vector<uint8_t> out(size_t(3) * std::max(ny, 0) * std::max(nx, 0));
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < ny; ++y) {  // vertical pass
      const int32_t* k = vt.k.data() + size_t(ya + y) * vt.stride;
      const int s = vt.start[size_t(ya + y)] - r0;
      for (int x = 0; x < nx; ++x) {
        int64_t acc = int64_t(1) << (kPillowPrecisionBits - 1);
        for (int j = 0; j < vt.count[size_t(ya + y)]; ++j) acc += int64_t(k[j]) * mid[(size_t(c) * nr + s + j) * nx + x];
        out[(size_t(c) * ny + y) * nx + x] = clip8(acc);
      }
    }
  return out;
}

std::vector<uint8_t> pillow_resize(const ImageView& src, int rh, int rw, Filter f) {
  return pillow_resize_window(src, rh, rw, f, 0, rh, 0, rw);
}

}  // namespace pb
