#include <algorithm>

#include "variants/cuda/axis_bands.hpp"
#include "variants/cuda/imma/host_plan.hpp"
#include "variants/cuda/int8_limbs.hpp"

namespace pb::cuda::imma {

namespace {

uint32_t pack4(const int* d) {  // four s8 digits kLimbs apart, the first in the low byte
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(int8_t(d[i * kLimbs]))) << (8 * i);
  return v;
}

// The horizontal weights of 16-column group n (one warp's columns), K = 32 nks source columns from k0: each
// column's limbs chained (split_limbs_chained: the s32 accumulator holds the exact sum), its scale 2^-shift, and
// per k-step, limb and lane the m16n8k32 A fragment: (row g, k 4t..4t+3), (g + 8, same), (g, k 16 + 4t..),
// (g + 8, k 16 + 4t..), rows being output columns.
void column_group(const AxisBands& hb, int n, int k0, int nks, HostPlan& hp) {
  const int K = 32 * nks;
  std::vector<Limbs> cols;
  std::vector<double> w(static_cast<size_t>(K));
  for (int m = 0; m < 16; ++m) {
    for (int k = 0; k < K; ++k) w[size_t(k)] = hb.weight(n, m, k0 + k);
    cols.push_back(split_limbs_chained(w.data(), K, kLimbs));
    hp.scales.push_back(float(cols.back().scale(kLimbs - 1)));
  }
  for (int ks = 0; ks < nks; ++ks)
    for (int l = 0; l < kLimbs; ++l)
      for (int lane = 0; lane < 32; ++lane) {
        const int g = lane >> 2, t = lane & 3;
        auto at = [&](int m, int k) { return &cols[size_t(m)].digits[size_t(ks * 32 + k) * kLimbs + l]; };
        hp.hfrag.push_back(make_uint4(pack4(at(g, 4 * t)), pack4(at(g + 8, 4 * t)), pack4(at(g, 16 + 4 * t)),
                                      pack4(at(g + 8, 16 + 4 * t))));
      }
}

}  // namespace

HostPlan make_host_plan(const Plan& plan, const DevPlan& d) {
  HostPlan hp;
  std::vector<long long> job_cost;
  int max_nc = 16;
  for (size_t ji = 0; ji < d.host_jobs.size(); ++ji) {
    const DevJob& j = d.host_jobs[ji];
    const AxisBands hb(plan.htable(plan.jobs[ji]), j.x0, j.w, 16);
    const AxisBands vb(plan.vtable(plan.jobs[ji]), j.y0, j.h, kTileH);
    // each warp's K window starts at a multiple of 4 source columns: its B fragments are aligned 32-bit loads
    std::vector<int> k0(size_t(hb.groups()));
    int nks = 1;
    for (int n = 0; n < hb.groups(); ++n) {
      k0[size_t(n)] = hb.lo[size_t(n)] / 4 * 4;
      nks = std::max(nks, (hb.hi[size_t(n)] - k0[size_t(n)] + 31) / 32);
    }
    hp.max_nks = std::max(hp.max_nks, nks);
    const int hfrag_job = int(hp.hfrag.size()), scale_job = int(hp.scales.size());
    for (int n = 0; n < hb.groups(); ++n) column_group(hb, n, k0[size_t(n)], nks, hp);
    std::vector<ITile> cols;
    for (int x = 0; x < j.w; x += kTileW) {
      ITile c{};
      c.x = x;
      c.nks = nks;
      const int n0 = x / 16, n1 = std::min(hb.groups(), n0 + kWarps);
      c.cb = k0[size_t(n0)];
      for (int n = n0; n < n1; ++n) c.cb = std::min(c.cb, k0[size_t(n)]);
      // staged: the columns the taps read; each warp's B words run on to kb + 32 nks, past them within the row's
      // stride, onto bytes whose limbs are zero (any uint8 times a zero digit adds nothing to the s32 sum)
      int end = c.cb;
      for (int n = n0; n < n1; ++n) {
        c.kb[n - n0] = k0[size_t(n)] - c.cb;
        end = std::max(end, hb.hi[size_t(n)]);
        max_nc = std::max(max_nc, c.kb[n - n0] + 32 * nks);
      }
      c.nc = std::max(16, (end - c.cb + 15) / 16 * 16);
      max_nc = std::max(max_nc, c.nc);
      c.hfrag0 = hfrag_job + n0 * nks * kLimbs * 32;
      c.scale0 = scale_job + 16 * n0;
      cols.push_back(c);
    }
    long long cost = 0;
    for (int mt = 0; mt < vb.groups(); ++mt) {
      const int r0 = vb.lo[size_t(mt)], r1 = vb.hi[size_t(mt)];
      const int chunks = std::max(1, (r1 - r0 + kChunk - 1) / kChunk);
      const int vfrag0 = int(hp.vfrag.size());
      transposed_vertical(vb, mt, r0, chunks, kRowBlocks, hp.vfrag, hp.masks);
      for (ITile c : cols) {
        c.job = int(ji);
        c.y = kTileH * mt;
        c.r0 = r0;
        c.chunks = chunks;
        c.vfrag0 = vfrag0;
        cost = std::max(cost, (long long)chunks * c.nc);
        hp.tiles.push_back(c);
      }
    }
    job_cost.push_back(cost);
  }
  heaviest_job_first(hp.tiles, job_cost);
  hp.lut = hf_table(d.epi);
  int units = (max_nc + 15) / 16;  // rows kChunk apart in different banks: an odd number of 16-byte units
  if (units % 2 == 0) ++units;
  hp.sstride = 16 * units;
  return hp;
}

}  // namespace pb::cuda::imma
