#include <algorithm>

#include <cuda_fp16.h>

#include "variants/cuda/axis_bands.hpp"
#include "variants/cuda/mma/host_plan.hpp"

namespace pb::cuda::mma {

namespace {

// Rows of a padded stage: a multiple of 8 halves whose 16-byte count is odd (conflict-free ldmatrix rows).
inline int stage_stride(int nc) {
  int s = (nc + 7) / 8 * 8;
  if ((s / 8) % 2 == 0) s += 8;
  return s;
}

inline size_t smem_bytes(int sstride) {
  return size_t(3) * 256 * 4 + size_t(2) * kHPlane * 2 + size_t(2) * 3 * kChunk * sstride * 2;
}

}  // namespace

HostPlan make_host_plan(const Plan& plan, const DevPlan& d, bool fragments, TileOrder order) {
  HostPlan hp;  // filled through these names
  std::vector<MmaJob>& mjobs = hp.mjobs;
  std::vector<MmaTile>& tiles = hp.tiles;
  std::vector<RowTile>& rtiles = hp.rtiles;
  std::vector<int>& hcol0 = hp.hcol0;
  std::vector<uint4>& hfrag = hp.hfrag;
  std::vector<uint4>& vfrag = hp.vfrag;
  int max_nc = 8;
  for (size_t ji = 0; ji < d.host_jobs.size(); ++ji) {
    const DevJob& j = d.host_jobs[ji];
    const WeightTable& th = plan.htable(plan.jobs[ji]);
    const WeightTable& tv = plan.vtable(plan.jobs[ji]);
    const AxisBands hb(th, j.x0, j.w, 8), vb(tv, j.y0, j.h, 16);
    // Horizontal: per 8-column tile, k-steps from a multiple of 8 (ldmatrix rows need 16-byte alignment).
    MmaJob mj;
    mj.hfrag0 = int(hfrag.size());
    mj.ntile0 = int(hcol0.size());
    for (int n = 0; n < hb.groups(); ++n) mj.n_kh = std::max(mj.n_kh, (hb.hi[n] - hb.lo[n] / 8 * 8 + 15) / 16);
    for (int n = 0; n < hb.groups(); ++n) {
      const int k0 = hb.lo[n] / 8 * 8;
      hcol0.push_back(k0);
      for (int ks = 0; ks < mj.n_kh && fragments; ++ks)
        for (int lane = 0; lane < 32; ++lane) {  // B fragment: rows (k) 2t, 2t+1 and 2t+8, 2t+9; column g
          const int g = lane >> 2, k = k0 + ks * 16 + 2 * (lane & 3);
          const Half2Split b0 = split_pair(hb.weight(n, g, k), hb.weight(n, g, k + 1));
          const Half2Split b1 = split_pair(hb.weight(n, g, k + 8), hb.weight(n, g, k + 9));
          hfrag.push_back(make_uint4(b0.hi, b1.hi, b0.lo, b1.lo));
        }
    }
    mjobs.push_back(mj);
    // Blocks: kTileW x kTileH output tiles. A block's vertical k-steps count 16 source rows from its first row.
    for (int y = 0; y < j.h; y += kTileH) {
      const int m0 = y / 16, r0 = vb.lo[size_t(m0)];
      const int rtile0 = int(rtiles.size());
      int chunks = 1;
      for (int m = m0; m < m0 + kRowTiles; ++m) {
        RowTile rt;
        if (m < vb.groups()) {
          rt.frag0 = int(vfrag.size());
          rt.ks_lo = (vb.lo[m] - r0) / 16;
          rt.ks_hi = std::max(rt.ks_lo + 1, (vb.hi[m] - r0 + 15) / 16);
          chunks = std::max(chunks, rt.ks_hi);
          for (int ks = rt.ks_lo; ks < rt.ks_hi && fragments; ++ks)
            for (int lane = 0; lane < 32; ++lane) {  // A fragment: rows g, g+8; columns (k) 2t, 2t+1, 2t+8, 2t+9
              const int g = lane >> 2, k = r0 + ks * 16 + 2 * (lane & 3);
              const Half2Split a0 = split_pair(vb.weight(m, g, k), vb.weight(m, g, k + 1));
              const Half2Split a1 = split_pair(vb.weight(m, g + 8, k), vb.weight(m, g + 8, k + 1));
              const Half2Split a2 = split_pair(vb.weight(m, g, k + 8), vb.weight(m, g, k + 9));
              const Half2Split a3 = split_pair(vb.weight(m, g + 8, k + 8), vb.weight(m, g + 8, k + 9));
              vfrag.push_back(make_uint4(a0.hi, a1.hi, a2.hi, a3.hi));
              vfrag.push_back(make_uint4(a0.lo, a1.lo, a2.lo, a3.lo));
            }
        }
        rtiles.push_back(rt);
      }
      for (int x = 0; x < j.w; x += kTileW) {
        MmaTile tl{int(ji), y, x, r0, chunks, 1 << 30, 0, rtile0};
        int cend = 0;
        for (int n = x / 8; n < std::min(hb.groups(), (x + kTileW) / 8); ++n) {
          tl.cb = std::min(tl.cb, hcol0[size_t(mj.ntile0 + n)]);
          cend = std::max(cend, hcol0[size_t(mj.ntile0 + n)] + 16 * mj.n_kh);
        }
        tl.nc = cend - tl.cb;
        max_nc = std::max(max_nc, tl.nc);
        tiles.push_back(tl);
      }
    }
  }
  if (order == TileOrder::HeaviestJobFirst) {
    std::vector<long long> job_cost(d.host_jobs.size(), 0);
    for (const MmaTile& t : tiles) {
      long long& c = job_cost[size_t(t.job)];
      c = std::max(c, (long long)t.chunks * t.nc);
    }
    std::stable_sort(tiles.begin(), tiles.end(), [&](const MmaTile& a, const MmaTile& b) {
      return job_cost[size_t(a.job)] > job_cost[size_t(b.job)];
    });
  }
  // hf epilogue: fl32(fl32(q - mean255) / std255) for the 256 quantized values, IEEE float32 on the host
  hp.lut.resize(3 * 256);
  for (int c = 0; c < 3; ++c)
    for (int q = 0; q < 256; ++q) hp.lut[size_t(c * 256 + q)] = epilogue_hf_u8(d.epi, float(q), c);
  hp.sstride = stage_stride((max_nc + kItemCols - 1) / kItemCols * kItemCols);  // whole staging items
  hp.smem = smem_bytes(hp.sstride);
  return hp;
}

}  // namespace pb::cuda::mma
