#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "variants/cuda/axis_bands.hpp"
#include "variants/cuda/wgmma/host_plan.hpp"
#include "variants/cuda/int8_limbs.hpp"

namespace pb::cuda::wgmma {

namespace {

// 16-byte units, an odd count: staged rows kChunk apart start in different banks.
int slot_for(int bytes) {
  int s = (bytes + 15) / 16;
  if (s % 2 == 0) ++s;
  return 16 * s;
}

uint32_t pack4(const int* d, int stride) {  // four s8 digits, the first in the low byte
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t(uint8_t(int8_t(d[i * stride]))) << (8 * i);
  return v;
}

// The horizontal weights of one column tile: per k-step, per limb, per consumer thread the A fragment of
// m64nNk32 (warp w holds rows 16w + g and 16w + g + 8; registers: (g, k 4t..4t+3), (g + 8, same), (g, k 16 + 4t..),
// (g + 8, k 16 + 4t..)), and the scale 2^-shift of each column's lowest limb.
void column_tile(const AxisBands& hb, int n, int k0, int nks, int limbs, HostPlan& hp) {
  const int K = 32 * nks;
  std::vector<Limbs> cols;
  std::vector<double> w(static_cast<size_t>(K));
  for (int m = 0; m < kTileW; ++m) {
    for (int k = 0; k < K; ++k) w[size_t(k)] = hb.weight(n, m, k0 + k);
    cols.push_back(split_limbs(w.data(), K, limbs));
    hp.scales.push_back(float(cols.back().scale(limbs - 1)));
    // the kernel combines the top two limbs' sums in s32 (acc0 * 128 + acc1): bounded here for any uint8 source
    long long bound = 0;
    for (int k = 0; k < K; ++k) {
      const int* d = &cols.back().digits[size_t(k) * limbs];
      bound += 255LL * (128LL * std::abs(d[0]) + std::abs(d[1]));
    }
    if (bound > 0x7fffffffLL)
      throw std::invalid_argument("cuda_separable_wgmma: a downscale this strong overflows the int32 limb combine (" +
                                  std::to_string(K) + " source columns per tile)");
  }
  for (int ks = 0; ks < nks; ++ks)
    for (int l = 0; l < limbs; ++l)
      for (int tid = 0; tid < kConsumers; ++tid) {
        const int lane = tid % 32, g = lane >> 2, t = lane & 3, m0 = 16 * (tid / 32) + g;
        auto at = [&](int m, int k) { return &cols[size_t(m)].digits[size_t(ks * 32 + k) * limbs + l]; };
        hp.hfrag.push_back(make_uint4(pack4(at(m0, 4 * t), limbs), pack4(at(m0 + 8, 4 * t), limbs),
                                      pack4(at(m0, 16 + 4 * t), limbs), pack4(at(m0 + 8, 16 + 4 * t), limbs)));
      }
}

}  // namespace

HostPlan make_host_plan(const Plan& plan, const DevPlan& d, bool chw, int limbs, size_t max_smem) {
  HostPlan hp;
  std::vector<long long> job_cost;
  for (size_t ji = 0; ji < d.host_jobs.size(); ++ji) {
    const DevJob& j = d.host_jobs[ji];
    const AxisBands hb(plan.htable(plan.jobs[ji]), j.x0, j.w, kTileW);
    const AxisBands vb(plan.vtable(plan.jobs[ji]), j.y0, j.h, kTileH);
    std::vector<WTile> cols(size_t(hb.groups()));
    for (int n = 0; n < hb.groups(); ++n) {
      WTile& c = cols[size_t(n)];
      c.x = kTileW * n;
      c.k0 = hb.lo[size_t(n)];
      c.nks = std::max(1, (hb.hi[size_t(n)] - c.k0 + 31) / 32);
      c.hfrag0 = int(hp.hfrag.size());
      c.scale0 = int(hp.scales.size());
      hp.kmax = std::max(hp.kmax, 32 * c.nks);
      column_tile(hb, n, c.k0, c.nks, limbs, hp);
    }
    long long cost = 0;
    for (int mt = 0; mt < vb.groups(); ++mt) {
      const int r0 = vb.lo[size_t(mt)], r1 = vb.hi[size_t(mt)];
      const int chunks = std::max(1, (r1 - r0 + kChunk - 1) / kChunk);
      const int vfrag0 = int(hp.vfrag.size()), mask0 = int(hp.masks.size());
      transposed_vertical(vb, mt, r0, chunks, kRowBlocks, hp.vfrag, hp.masks);
      for (WTile c : cols) {
        c.job = int(ji);
        c.y = kTileH * mt;
        c.r0 = r0;
        c.chunks = chunks;
        c.r_end = std::min(r1, j.src_h);
        c.vfrag0 = vfrag0;
        c.mask0 = mask0;
        cost = std::max(cost, (long long)chunks * c.nks);
        hp.tiles.push_back(c);
      }
    }
    job_cost.push_back(cost);
  }
  heaviest_job_first(hp.tiles, job_cost);
  hp.lut = hf_table(d.epi);
  // a staged row holds K bytes from a 16-byte aligned start: up to 16 more (CHW), or 3 K + 16 interleaved (HWC)
  const int rows = rows_per_stage(chw);
  hp.slot_bytes = slot_for(chw ? hp.kmax + 16 : 3 * hp.kmax + 16);
  // as deep as kMaxStages, within kSmemPerBlock less 14 KB (room for weights) where possible, never below two stages
  hp.stages = kMaxStages;
  while (hp.stages > 2 && smem_bytes(hp.stages, hp.slot_bytes, rows, hp.kmax) > kSmemPerBlock - 14 * 1024) --hp.stages;
  hp.smem = smem_bytes(hp.stages, hp.slot_bytes, rows, hp.kmax);
  for (const WTile& t : hp.tiles) {
    hp.hbytes = std::max(hp.hbytes, t.nks * limbs * kConsumers * 16);
    hp.vbytes = std::max(hp.vbytes, t.chunks * kRowBlocks * 32 * 16);
  }
  // the weights in shared memory where they fit beside the ring within kSmemPerBlock, the
  // horizontal ones first (read once per k-step; the vertical ones once per chunk)
  hp.stage_h = hp.smem + hp.hbytes <= size_t(kSmemPerBlock);
  hp.stage_v = hp.stage_h && hp.smem + hp.hbytes + hp.vbytes <= size_t(kSmemPerBlock);
  hp.smem += (hp.stage_h ? hp.hbytes : 0) + (hp.stage_v ? hp.vbytes : 0);
  if (hp.smem > max_smem)
    throw std::invalid_argument("cuda_separable_wgmma: a downscale this strong needs " + std::to_string(hp.smem) +
                                " bytes of shared memory per block for two staged chunks (K = " +
                                std::to_string(hp.kmax) + " source columns), the device allows " +
                                std::to_string(max_smem));
  return hp;
}

}  // namespace pb::cuda::wgmma
