// Separable resize on the tensor cores. Both passes are small dense products with banded weight matrices
// (mma.sync m16n8k16, fp16 operands, fp32 accumulate), one launch for the ragged batch, one block per output tile
// (32 columns x 32 or 16 rows) of one job:
//   1. the tile's source rows are staged in chunks of 32 rows (three channels), read as aligned 4-byte words and
//      widened to fp16 in shared memory (uint8 is exact in fp16);
//   2. horizontal pass: staged rows x weights. Warp w owns output columns [8w, 8w + 8); its weights are dense,
//      zero-padded fragments built in setup and split into fp16 hi + lo (~22 significant bits): 2 MMAs per k-step;
//   3. the intermediate stays on chip, as fp16 hi + lo planes;
//   4. vertical pass: weights (hi, lo) x intermediate (hi, lo), 3 MMAs per k-step (lo x lo is below fp32 rounding),
//      then the epilogue and the final layout straight from the accumulator fragments.
// The error budget (~2^-22 relative in weights and intermediate) and the measured outcome: results/NOTES.md, step 6.
#include <cuda_fp16.h>

#include "core/resample.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

constexpr int kWarps = 4, kThreads = 32 * kWarps, kTileW = 8 * kWarps;  // one 8-column MMA tile per warp
constexpr int kHStride = kTileW + 8;  // halves per intermediate row: 80 bytes, so ldmatrix rows hit distinct banks

struct MmaJob {
  int hfrag0 = 0, vfrag0 = 0;  // this job's first fragment (uint4 units) in the horizontal / vertical tables
  int ntile0 = 0, rtile0 = 0;  // this job's first 8-column tile / 16-row tile in hcol0 / vrow0
  int n_kh = 1, n_kv = 1;      // k-steps (16 source columns / rows) per column tile / row tile
};

struct MmaTile {
  int job, y, x, th;  // window rows [y, y + th), columns [x, x + 32)
  int r0, nr;         // staged source rows [r0, r0 + nr), nr a multiple of 16
  int cb, nc;         // staged source columns [cb, cb + nc), cb and nc multiples of 8
};

// ---- device helpers -----------------------------------------------------------------------------------------

__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], const void* p) {
  const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
}

__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], const void* p) {
  const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
}

__device__ __forceinline__ uint32_t as_u32(__half2 h) { return *reinterpret_cast<uint32_t*>(&h); }
__device__ __forceinline__ __half2 as_h2(uint32_t u) { return *reinterpret_cast<__half2*>(&u); }

// Four uint8 (one word) to four fp16: prmt builds 0x64XX = 1024 + XX, the subtraction is exact.
__device__ __forceinline__ uint2 widen4(uint32_t v) {
  const __half2 k1024 = as_h2(0x64006400u);
  const uint32_t lo = __byte_perm(v, 0x64646464u, 0x4140), hi = __byte_perm(v, 0x64646464u, 0x4342);
  return make_uint2(as_u32(__hsub2(as_h2(lo), k1024)), as_u32(__hsub2(as_h2(hi), k1024)));
}

// N words (4N bytes) starting at any byte p, from N + 1 aligned words. Falls back to byte loads where the aligned
// words would leave the image [lo, hi) (its first and last few bytes).
template <int N>
__device__ __forceinline__ void load_words(const uint8_t* p, const uint8_t* lo, const uint8_t* hi, uint32_t (&out)[N]) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p), a0 = a & ~uintptr_t(3);
  if (a0 >= reinterpret_cast<uintptr_t>(lo) && a0 + 4 * (N + 1) <= reinterpret_cast<uintptr_t>(hi)) {
    const uint32_t* w = reinterpret_cast<const uint32_t*>(a0);
    const unsigned sel = 0x3210u + 0x1111u * unsigned(a & 3);
    uint32_t prev = __ldg(w);
#pragma unroll
    for (int i = 0; i < N; ++i) {
      const uint32_t next = __ldg(w + i + 1);
      out[i] = __byte_perm(prev, next, sel);
      prev = next;
    }
  } else {
#pragma unroll
    for (int i = 0; i < N; ++i)
      out[i] = uint32_t(p[4 * i]) | uint32_t(p[4 * i + 1]) << 8 | uint32_t(p[4 * i + 2]) << 16 |
               uint32_t(p[4 * i + 3]) << 24;
  }
}

// Stages source rows [r0 + rbeg, r0 + rbeg + nrows) of the tile, columns [cb, cb + nc), as fp16 into
// stage[c][row][col] (row stride sstride halves). Rows and columns outside the image become 0 (their weights are
// 0; the staged value must only be finite).
__device__ void stage_rows(__half* stage, int sstride, int chunk, const DevJob& j, const MmaTile& tl, int rbeg,
                           int nrows, bool chw) {
  const uint8_t *in_lo = j.src, *in_hi = j.src + size_t(j.src_h) * j.src_w * 3;
  const int qpr = tl.nc / 4;  // 4 columns per item
  const int items = nrows * qpr;
  const float inv = 1.0f / float(qpr);
  for (int it = threadIdx.x; it < items; it += kThreads) {
    const int rr = __float2int_rz((float(it) + 0.5f) * inv), q = it - rr * qpr;  // exact for these sizes
    const int r = tl.r0 + rbeg + rr, col = tl.cb + 4 * q;
    uint32_t v[3] = {0u, 0u, 0u};
    if (r >= 0 && r < j.src_h) {
      if (chw) {
        for (int c = 0; c < 3; ++c) {
          const uint8_t* row = j.src + (size_t(c) * j.src_h + r) * j.src_w;
          if (col >= 0 && col + 4 <= j.src_w) {
            uint32_t w1[1];
            load_words<1>(row + col, in_lo, in_hi, w1);
            v[c] = w1[0];
          } else {
            for (int k = 0; k < 4; ++k)
              if (col + k >= 0 && col + k < j.src_w) v[c] |= uint32_t(row[col + k]) << (8 * k);
          }
        }
      } else {
        const uint8_t* px = j.src + (size_t(r) * j.src_w + col) * 3;
        if (col >= 0 && col + 4 <= j.src_w) {
          uint32_t w[3];  // pixels col..col+3, RGB interleaved
          load_words<3>(px, in_lo, in_hi, w);
          v[0] = __byte_perm(__byte_perm(w[0], w[1], 0x0630), w[2], 0x5210);  // bytes 0, 3, 6, 9
          v[1] = __byte_perm(__byte_perm(w[0], w[1], 0x0741), w[2], 0x6210);  // bytes 1, 4, 7, 10
          v[2] = __byte_perm(__byte_perm(w[0], w[1], 0x0052), w[2], 0x7410);  // bytes 2, 5, 8, 11
        } else {
          for (int k = 0; k < 4; ++k)
            if (col + k >= 0 && col + k < j.src_w)
              for (int c = 0; c < 3; ++c) v[c] |= uint32_t(px[3 * k + c]) << (8 * k);
        }
      }
    }
    for (int c = 0; c < 3; ++c)
      *reinterpret_cast<uint2*>(stage + (size_t(c) * chunk + rr) * sstride + 4 * q) = widen4(v[c]);
  }
}

template <typename T>
__global__ void __launch_bounds__(kThreads)
separable_mma_kernel(const DevJob* __restrict__ jobs, const MmaJob* __restrict__ mjobs,
                     const MmaTile* __restrict__ tiles, const int* __restrict__ hcol0, const uint4* __restrict__ hfrag,
                     const int* __restrict__ vrow0, const uint4* __restrict__ vfrag, DevEpilogue e, DevLayout L,
                     bool chw, int max_nr, int sstride, int chunk, T* __restrict__ out) {
  extern __shared__ __align__(16) unsigned char smem[];
  __half* hhi = reinterpret_cast<__half*>(smem);  // [3][max_nr][kHStride]
  __half* hlo = hhi + 3 * max_nr * kHStride;
  __half* stage = hlo + 3 * max_nr * kHStride;    // [3][chunk][sstride]
  const MmaTile tl = tiles[blockIdx.x];
  const DevJob j = jobs[tl.job];
  const MmaJob mj = mjobs[tl.job];
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32, g = lane >> 2, t = lane & 3;
  const int nloc = tl.x / 8 + warp;                 // this warp's 8-column tile within the job
  const bool active = tl.x + 8 * warp < j.w;
  const int kb = active ? hcol0[mj.ntile0 + nloc] - tl.cb : 0;  // staged column of its k = 0
  const uint4* bfr = hfrag + mj.hfrag0 + size_t(nloc) * mj.n_kh * 32 + lane;

  // ldmatrix row addresses: lanes 8i..8i+7 address matrix i
  const int lrow = (lane & 7) + ((lane >> 3) & 1) * 8, lhalf = lane >> 4;

  for (int cr = 0; cr < tl.nr; cr += chunk) {
    const int rows = min(chunk, tl.nr - cr);
    stage_rows(stage, sstride, chunk, j, tl, cr, rows, chw);
    __syncthreads();
    if (active) {
      float acc[3][2][4] = {};
      for (int ks = 0; ks < mj.n_kh; ++ks) {
        const uint4 b = __ldg(bfr + ks * 32);  // hi b0, hi b1, lo b0, lo b1
        for (int c = 0; c < 3; ++c)
#pragma unroll
          for (int mt = 0; mt < 2; ++mt) {
            if (mt * 16 >= rows) break;
            uint32_t a[4];
            ldsm_x4(a, stage + (size_t(c) * chunk + mt * 16 + lrow) * sstride + kb + ks * 16 + lhalf * 8);
            mma16816(acc[c][mt], a, b.x, b.y);
            mma16816(acc[c][mt], a, b.z, b.w);
          }
      }
      // intermediate rows (cr + 16 mt + g, +8), columns 8 warp + 2t, +1: split into hi + lo halves
      for (int c = 0; c < 3; ++c)
#pragma unroll
        for (int mt = 0; mt < 2; ++mt) {
          if (mt * 16 >= rows) break;
#pragma unroll
          for (int h = 0; h < 2; ++h) {
            const float v0 = acc[c][mt][2 * h], v1 = acc[c][mt][2 * h + 1];
            const __half2 hi = __floats2half2_rn(v0, v1);
            const float2 back = __half22float2(hi);
            const __half2 lo = __floats2half2_rn(v0 - back.x, v1 - back.y);
            const size_t at = (size_t(c) * max_nr + cr + mt * 16 + g + 8 * h) * kHStride + 8 * warp + 2 * t;
            *reinterpret_cast<__half2*>(hhi + at) = hi;
            *reinterpret_cast<__half2*>(hlo + at) = lo;
          }
        }
    }
    __syncthreads();  // the next chunk overwrites the stage
  }
  if (!active) return;  // the vertical pass of a warp reads only its own intermediate columns: no block barrier

  const int ntiles_v = (tl.th + 15) / 16;
  for (int m = 0; m < ntiles_v; ++m) {
    const int rloc = tl.y / 16 + m;  // row tile within the job
    const int kv = vrow0[mj.rtile0 + rloc] - tl.r0;
    const uint4* afr = vfrag + mj.vfrag0 + (size_t(rloc) * mj.n_kv * 32 + lane) * 2;
    float acc[3][4] = {};
    for (int ks = 0; ks < mj.n_kv; ++ks) {
      const uint4 ah = __ldg(afr + ks * 64), al = __ldg(afr + ks * 64 + 1);
      const uint32_t a_hi[4] = {ah.x, ah.y, ah.z, ah.w}, a_lo[4] = {al.x, al.y, al.z, al.w};
      for (int c = 0; c < 3; ++c) {
        // matrices: hi rows k..k+7, hi rows k+8..k+15, lo rows k..k+7, lo rows k+8..k+15 (8 columns of this warp)
        const __half* plane = (lane >> 4) ? hlo : hhi;
        uint32_t b[4];
        ldsm_x4_trans(b, plane + (size_t(c) * max_nr + kv + ks * 16 + (lane & 7) + ((lane >> 3) & 1) * 8) * kHStride +
                             8 * warp);
        mma16816(acc[c], a_hi, b[0], b[1]);
        mma16816(acc[c], a_hi, b[2], b[3]);
        mma16816(acc[c], a_lo, b[0], b[1]);
      }
    }
#pragma unroll
    for (int i = 0; i < 4; ++i) {
      const int y = tl.y + 16 * m + g + 8 * (i >> 1), x = tl.x + 8 * warp + 2 * t + (i & 1);
      if (y >= j.h || x >= j.w) continue;
      const int ry = j.y0 + y, rx = j.x0 + x;
      const bool inside = ry >= 0 && ry < j.rh && rx >= 0 && rx < j.rw;
      for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, inside ? epilogue(e, acc[c][i], c) : j.pad[c]);
    }
  }
}

// ---- setup: fragment tables and tiles ------------------------------------------------------------------------

struct Half2Split {
  uint32_t hi = 0, lo = 0;
};

// Two weights as packed fp16 hi (low half = first) and lo = fp16(w - hi).
Half2Split split_pair(double w0, double w1) {
  auto split = [](double w, __half& hi, __half& lo) {
    hi = __float2half_rn(float(w));
    lo = __float2half_rn(float(w - double(__half2float(hi))));
  };
  __half h0, l0, h1, l1;
  split(w0, h0, l0);
  split(w1, h1, l1);
  Half2Split s;
  s.hi = uint32_t(__half_as_ushort(h0)) | uint32_t(__half_as_ushort(h1)) << 16;
  s.lo = uint32_t(__half_as_ushort(l0)) | uint32_t(__half_as_ushort(l1)) << 16;
  return s;
}

// One axis of one job, as 16-wide k-windows: for each group of `group` consecutive window coordinates, the first
// source index k0 (aligned to `align`) and the weight of (coordinate i of the group, source k0 + k).
struct AxisBands {
  std::vector<int> k0;
  int n_k = 1;  // k-steps of 16 that cover every group's taps
  const WeightTable* table = nullptr;
  int offset = 0, window = 0, resized = 0, group = 8;
  double weight(int grp, int i, int k) const {
    const int wc = grp * group + i, rc = offset + wc;
    if (wc >= window || rc < 0 || rc >= resized) return 0.0;
    const int s = k0[size_t(grp)] + k - table->start[size_t(rc)];
    return s >= 0 && s < table->count[size_t(rc)] ? table->row(rc)[s] : 0.0;
  }
};

AxisBands make_bands(const WeightTable& t, int offset, int window, int group, int align) {
  AxisBands b;
  b.table = &t;
  b.offset = offset;
  b.window = window;
  b.resized = t.out;
  b.group = group;
  const int groups = (window + group - 1) / group;
  for (int grp = 0; grp < groups; ++grp) {
    int lo = 1 << 30, hi = 0;
    for (int i = 0; i < group; ++i) {
      const int wc = grp * group + i, rc = offset + wc;
      if (wc >= window || rc < 0 || rc >= t.out) continue;
      lo = std::min(lo, t.start[size_t(rc)]);
      hi = std::max(hi, t.start[size_t(rc)] + t.count[size_t(rc)]);
    }
    if (lo > hi) {  // no resized coordinate in this group (padding): anchor at the nearest one, no taps
      const int rc = std::min(std::max(offset + grp * group, 0), t.out - 1);
      lo = hi = t.start[size_t(rc)];
    }
    const int k0 = lo / align * align;
    b.k0.push_back(k0);
    b.n_k = std::max(b.n_k, (hi - k0 + 15) / 16);
  }
  return b;
}

// Rows of a padded stage: a multiple of 8 halves whose 16-byte count is odd (conflict-free ldmatrix rows).
int stage_stride(int nc) {
  int s = (nc + 7) / 8 * 8;
  if ((s / 8) % 2 == 0) s += 8;
  return s;
}

size_t smem_bytes(int max_nr, int sstride, int chunk) {
  return size_t(2) * 3 * max_nr * kHStride * 2 + size_t(3) * chunk * sstride * 2;
}

class CudaSeparableMma final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  void setup(const Plan& plan, const Inputs& in, DType, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    std::vector<MmaJob> mjobs;
    std::vector<MmaTile> tiles;
    std::vector<int> hcol0, vrow0;
    std::vector<uint4> hfrag, vfrag;
    max_nr_ = 16;
    int max_nc = 8;
    for (size_t ji = 0; ji < d_.host_jobs.size(); ++ji) {
      const DevJob& j = d_.host_jobs[ji];
      const WeightTable th = make_table(j.src_w, j.rw, plan.filter, plan.antialias);
      const WeightTable tv = make_table(j.src_h, j.rh, plan.filter, plan.antialias);
      // columns: ldmatrix rows need 16-byte alignment, so windows start at multiples of 8 source columns
      const AxisBands hb = make_bands(th, j.x0, j.w, 8, 8);
      const AxisBands vb = make_bands(tv, j.y0, j.h, 16, 1);
      MmaJob mj;
      mj.hfrag0 = int(hfrag.size());
      mj.vfrag0 = int(vfrag.size());
      mj.ntile0 = int(hcol0.size());
      mj.rtile0 = int(vrow0.size());
      mj.n_kh = hb.n_k;
      mj.n_kv = vb.n_k;
      for (size_t n = 0; n < hb.k0.size(); ++n) {
        hcol0.push_back(hb.k0[n]);
        for (int ks = 0; ks < hb.n_k; ++ks)
          for (int lane = 0; lane < 32; ++lane) {  // B fragment: rows (k) 2t, 2t+1 and 2t+8, 2t+9; column g
            const int g = lane >> 2, t = lane & 3, k = ks * 16 + 2 * t;
            const Half2Split b0 = split_pair(hb.weight(int(n), g, k), hb.weight(int(n), g, k + 1));
            const Half2Split b1 = split_pair(hb.weight(int(n), g, k + 8), hb.weight(int(n), g, k + 9));
            hfrag.push_back(make_uint4(b0.hi, b1.hi, b0.lo, b1.lo));
          }
      }
      for (size_t m = 0; m < vb.k0.size(); ++m) {
        vrow0.push_back(vb.k0[m]);
        for (int ks = 0; ks < vb.n_k; ++ks)
          for (int lane = 0; lane < 32; ++lane) {  // A fragment: rows g, g+8; columns (k) 2t, 2t+1, 2t+8, 2t+9
            const int g = lane >> 2, t = lane & 3, k = ks * 16 + 2 * t;
            const Half2Split a0 = split_pair(vb.weight(int(m), g, k), vb.weight(int(m), g, k + 1));
            const Half2Split a1 = split_pair(vb.weight(int(m), g + 8, k), vb.weight(int(m), g + 8, k + 1));
            const Half2Split a2 = split_pair(vb.weight(int(m), g, k + 8), vb.weight(int(m), g, k + 9));
            const Half2Split a3 = split_pair(vb.weight(int(m), g + 8, k + 8), vb.weight(int(m), g + 8, k + 9));
            vfrag.push_back(make_uint4(a0.hi, a1.hi, a2.hi, a3.hi));
            vfrag.push_back(make_uint4(a0.lo, a1.lo, a2.lo, a3.lo));
          }
      }
      mjobs.push_back(mj);
      // Tiles: 32 rows unless their staged rows would crowd shared memory (strong vertical downscale), then 16.
      auto make_tiles = [&](int th_rows, std::vector<MmaTile>& out_tiles) {
        int worst = 0;
        for (int y = 0; y < j.h; y += th_rows)
          for (int x = 0; x < j.w; x += kTileW) {
            MmaTile tl{int(ji), y, x, std::min(th_rows, j.h - y), 1 << 30, 0, 1 << 30, 0};
            int rend = -(1 << 30), cend = -(1 << 30);
            for (int m = y / 16; m < (y + tl.th + 15) / 16; ++m) {
              tl.r0 = std::min(tl.r0, vb.k0[size_t(m)]);
              rend = std::max(rend, vb.k0[size_t(m)] + 16 * vb.n_k);
            }
            for (int n = x / 8; n < std::min(int(hb.k0.size()), (x + kTileW) / 8); ++n) {
              tl.cb = std::min(tl.cb, hb.k0[size_t(n)]);
              cend = std::max(cend, hb.k0[size_t(n)] + 16 * hb.n_k);
            }
            tl.nr = (rend - tl.r0 + 15) / 16 * 16;
            tl.nc = cend - tl.cb;
            worst = std::max(worst, int(smem_bytes(tl.nr, stage_stride(tl.nc), 32)));
            out_tiles.push_back(tl);
          }
        return worst;
      };
      std::vector<MmaTile> mine;
      if (make_tiles(32, mine) > kSoftSmem) {
        mine.clear();
        make_tiles(16, mine);
      }
      for (const MmaTile& tl : mine) {
        max_nr_ = std::max(max_nr_, tl.nr);
        max_nc = std::max(max_nc, tl.nc);
      }
      tiles.insert(tiles.end(), mine.begin(), mine.end());
    }
    sstride_ = stage_stride(max_nc);
    chunk_ = smem_bytes(max_nr_, sstride_, 32) <= size_t(kSoftSmem) * 3 / 2 ? 32 : 16;  // halve the stage if crowded
    smem_ = smem_bytes(max_nr_, sstride_, chunk_);
    allow_dynamic_smem(separable_mma_kernel<float>, separable_mma_kernel<__nv_bfloat16>, smem_,
                       "cuda_separable_mma (downscale too strong for its on-chip tiles)");
    n_tiles_ = int(tiles.size());
    mjobs_ = upload(ws, mjobs, "mma job table");
    tiles_ = upload(ws, tiles, "tile table");
    hcol0_ = upload(ws, hcol0, "column windows");
    vrow0_ = upload(ws, vrow0, "row windows");
    hfrag_ = upload(ws, hfrag, "horizontal weight fragments");
    vfrag_ = upload(ws, vfrag, "vertical weight fragments");
  }

  void run(const Plan&, const Inputs& in, Output& out, void* stream) override {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      separable_mma_kernel<<<n_tiles_, kThreads, smem_, static_cast<cudaStream_t>(stream)>>>(
          d_.jobs, mjobs_, tiles_, hcol0_, hfrag_, vrow0_, vfrag_, d_.epi, d_.layout, in.layout == Layout::CHW,
          max_nr_, sstride_, chunk_, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  static constexpr int kSoftSmem = 64 * 1024;  // per block: keeps >= 3 blocks (12 warps) per SM
  VariantInfo info_ = cuda_info("cuda_separable_mma",
                                "one launch; both separable passes as banded matrix products on the tensor cores "
                                "(fp16 hi+lo split operands, fp32 accumulate), intermediate on chip; weight "
                                "fragments from setup");
  DevPlan d_;
  MmaJob* mjobs_ = nullptr;
  MmaTile* tiles_ = nullptr;
  int *hcol0_ = nullptr, *vrow0_ = nullptr;
  uint4 *hfrag_ = nullptr, *vfrag_ = nullptr;
  int n_tiles_ = 0, max_nr_ = 16, sstride_ = 8, chunk_ = 32;
  size_t smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_mma() { return std::make_unique<CudaSeparableMma>(); }

}  // namespace pb
