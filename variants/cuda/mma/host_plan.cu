#include <algorithm>

#include <cuda_fp16.h>

#include "variants/cuda/axis_bands.hpp"
#include "variants/cuda/mma/host_plan.hpp"
#include "variants/cuda/mma/tile_stats.hpp"

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

HostPlan make_host_plan(const Plan& plan, const DevPlan& d, bool fragments, TileOrder order, int strip_tiles) {
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
    // One 16-row tile's vertical k-steps, counted in chunks of 16 source rows from row r0, and its fragments.
    auto row_tile = [&](int m, int r0) {
      RowTile rt;
      if (m >= vb.groups()) return rt;  // below the window
      rt.frag0 = int(vfrag.size());
      rt.ks_lo = (vb.lo[m] - r0) / 16;
      rt.ks_hi = std::max(rt.ks_lo + 1, (vb.hi[m] - r0 + 15) / 16);
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
      return rt;
    };
    // Blocks: kTileW x kTileH output tiles, or strips of up to strip_tiles 16-row tiles. A block's vertical
    // k-steps count 16 source rows from its first row.
    for (int m0 = 0; m0 * 16 < j.h;) {
      const int r0 = vb.lo[size_t(m0)], rtile0 = int(rtiles.size());
      int chunks = 1, nrt = 0;
      if (strip_tiles <= 1) {
        for (int m = m0; m < m0 + kRowTiles; ++m, ++nrt) rtiles.push_back(row_tile(m, r0));
      } else {
        // Extend the strip while it is short enough, its row tiles' chunk ranges move down monotonically (the
        // kernel closes them in order; a padding tile below the image ends earlier than the one above it) and no
        // chunk feeds more than kStripOpen of them: chunk ks_lo of a new tile feeds it and the earlier tiles
        // that end after it.
        for (int m = m0; m < vb.groups() && nrt < strip_tiles; ++m, ++nrt) {
          const RowTile rt = row_tile(m, r0);
          if (nrt > 0) {
            const RowTile& prev = rtiles.back();
            int fed = 1;
            for (int i = rtile0; i < int(rtiles.size()); ++i) fed += rtiles[size_t(i)].ks_hi > rt.ks_lo;
            if (rt.ks_lo < prev.ks_lo || rt.ks_hi < prev.ks_hi || fed > kStripOpen) {
              vfrag.resize(size_t(rt.frag0));  // this tile starts the next strip, with fragments from its own r0
              break;
            }
          }
          rtiles.push_back(rt);
        }
      }
      for (int i = rtile0; i < int(rtiles.size()); ++i) chunks = std::max(chunks, rtiles[size_t(i)].ks_hi);
      for (int x = 0; x < j.w; x += kTileW) {
        MmaTile tl{int(ji), 16 * m0, x, r0, chunks, 1 << 30, 0, rtile0, nrt};
        int cend = 0;
        for (int n = x / 8; n < std::min(hb.groups(), (x + kTileW) / 8); ++n) {
          tl.cb = std::min(tl.cb, hcol0[size_t(mj.ntile0 + n)]);
          cend = std::max(cend, hcol0[size_t(mj.ntile0 + n)] + 16 * mj.n_kh);
        }
        tl.nc = cend - tl.cb;
        max_nc = std::max(max_nc, tl.nc);
        tiles.push_back(tl);
      }
      m0 += strip_tiles <= 1 ? kRowTiles : nrt;
    }
  }
  if (order == TileOrder::HeaviestJobFirst) {
    std::vector<long long> job_cost(d.host_jobs.size(), 0);
    for (const MmaTile& t : tiles) {
      long long& c = job_cost[size_t(t.job)];
      c = std::max(c, (long long)t.chunks * t.nc);
    }
    heaviest_job_first(tiles, job_cost);
  }
  hp.lut = hf_table(d.epi);
  hp.sstride = stage_stride((max_nc + kItemCols - 1) / kItemCols * kItemCols);  // whole staging items
  hp.max_nc = max_nc;
  hp.smem = smem_bytes(hp.sstride);
  return hp;
}

}  // namespace pb::cuda::mma

namespace pb::cuda::mma {

MmaTileStats mma_tile_stats(const Plan& plan, int strip_tiles) {
  const DevPlan d = host_dev_plan(plan);
  const HostPlan hp = make_host_plan(plan, d, false, TileOrder::Raster, strip_tiles);
  MmaTileStats s;
  s.open_limit = kStripOpen;
  std::vector<std::vector<int>> stored(d.host_jobs.size());  // per job: times each (row tile, column tile) is stored
  for (size_t ji = 0; ji < d.host_jobs.size(); ++ji) {
    const DevJob& j = d.host_jobs[ji];
    stored[ji].assign(size_t((j.h + 15) / 16) * size_t((j.w + kTileW - 1) / kTileW), 0);
  }
  for (const MmaTile& t : hp.tiles) {
    const int nrt = strip_tiles <= 1 ? kRowTiles : t.nrt;
    const DevJob& j = d.host_jobs[size_t(t.job)];
    ++s.blocks;
    s.staged_bytes += (long long)t.chunks * kChunk * t.nc * 3;
    s.chunk_steps += t.chunks;
    for (int m = 0; m < nrt; ++m) {
      const RowTile& rt = hp.rtiles[size_t(t.rtile0 + m)];
      const int row = t.y / 16 + m;
      if (rt.ks_hi == 0 || row * 16 >= j.h) continue;  // below the window
      ++s.row_tiles;
      ++stored[size_t(t.job)][size_t(row) * size_t((j.w + kTileW - 1) / kTileW) + size_t(t.x / kTileW)];
      if (m > 0) {
        const RowTile& prev = hp.rtiles[size_t(t.rtile0 + m - 1)];
        s.ordered &= rt.ks_lo >= prev.ks_lo && rt.ks_hi >= prev.ks_hi;
      }
      s.ordered &= rt.ks_hi <= t.chunks;
    }
    for (int c = 0; c < t.chunks; ++c) {
      int fed = 0;
      for (int m = 0; m < nrt; ++m) {
        const RowTile& rt = hp.rtiles[size_t(t.rtile0 + m)];
        fed += rt.ks_lo <= c && c < rt.ks_hi;
      }
      s.max_fed = std::max(s.max_fed, fed);
    }
  }
  for (const std::vector<int>& v : stored)
    for (int n : v) s.covered &= n == 1;
  return s;
}

}  // namespace pb::cuda::mma
