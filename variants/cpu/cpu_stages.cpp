#include "variants/cpu/cpu_stages.hpp"

namespace pb::cpu {

static FloatTable to_float(const WeightTable& t) {
  FloatTable f;
  f.stride = t.stride;
  f.start = t.start;
  f.count = t.count;
  f.w.assign(t.w.begin(), t.w.end());
  return f;
}

FloatTables::FloatTables(const Plan& plan) {
  for (const WeightTable& t : plan.tables) t_.push_back(to_float(t));
}

void h_pass(const ImageView& img, const FloatTable& t, int r0, int r1, int xa, int xb, float* out, int out_row0,
            int plane_rows) {
  const int nx = xb - xa, nr = plane_rows;
  for (int r = r0; r < r1; ++r) {
    if (img.layout == Layout::CHW) {
      for (int c = 0; c < 3; ++c) {
        const uint8_t* src = img.data + (size_t(c) * img.h + r) * img.w;
        float* dst = out + (size_t(c) * nr + (r - out_row0)) * nx;
        for (int x = xa; x < xb; ++x) {
          const float* w = t.row(x);
          const uint8_t* s = src + t.start[x];
          float acc = 0.0f;
          for (int k = 0; k < t.count[x]; ++k) acc += w[k] * float(s[k]);
          dst[x - xa] = acc;
        }
      }
    } else {
      const uint8_t* src = img.data + size_t(r) * img.w * 3;
      for (int x = xa; x < xb; ++x) {
        const float* w = t.row(x);
        const uint8_t* s = src + size_t(t.start[x]) * 3;
        float a0 = 0.0f, a1 = 0.0f, a2 = 0.0f;
        for (int k = 0; k < t.count[x]; ++k) {
          a0 += w[k] * float(s[3 * k]);
          a1 += w[k] * float(s[3 * k + 1]);
          a2 += w[k] * float(s[3 * k + 2]);
        }
        out[(size_t(0) * nr + (r - out_row0)) * nx + (x - xa)] = a0;
        out[(size_t(1) * nr + (r - out_row0)) * nx + (x - xa)] = a1;
        out[(size_t(2) * nr + (r - out_row0)) * nx + (x - xa)] = a2;
      }
    }
  }
}

VariantInfo cpu_info(const char* name, const char* description) {
  VariantInfo i;
  i.name = name;
  i.backend = Backend::Cpu;
  i.description = description;
  return i;
}

}  // namespace pb::cpu
