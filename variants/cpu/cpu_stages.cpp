#include "variants/cpu/cpu_stages.hpp"

#include <map>

namespace pb::cpu {

static FloatTable to_float(const WeightTable& t) {
  FloatTable f;
  f.stride = t.stride;
  f.start = t.start;
  f.count = t.count;
  f.w.assign(t.w.begin(), t.w.end());
  return f;
}

std::vector<JobTables> build_tables(const Plan& plan) {
  std::map<std::pair<int, int>, FloatTable> cache;  // ragged batches repeat (in, out) pairs
  auto get = [&](int in, int out) -> const FloatTable& {
    auto key = std::make_pair(in, out);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, to_float(make_table(in, out, plan.filter, plan.antialias))).first;
    return it->second;
  };
  std::vector<JobTables> t;
  t.reserve(plan.jobs.size());
  for (const Job& j : plan.jobs) t.push_back({get(j.src_w, j.rw), get(j.src_h, j.rh)});
  return t;
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
