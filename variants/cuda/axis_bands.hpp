#pragma once
// Host side of the tensor-core designs' setup (variants/cuda/mma/, variants/cuda/wgmma/): one axis of one job cut
// into groups of output coordinates (an MMA tile's rows or columns), with the source span each group reads; and
// the fp16 hi + lo split of a weight pair.
#include <algorithm>
#include <cstdint>
#include <vector>

#include <cuda_fp16.h>
#include <vector_functions.h>

#include "core/epilogue.hpp"
#include "core/resample.hpp"

namespace pb::cuda {

struct Half2Split {
  uint32_t hi = 0, lo = 0;
};

// Two weights as packed fp16 hi (low half = first) and lo = fp16(w - hi).
inline Half2Split split_pair(double w0, double w1) {
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

// One axis of one job in groups of `group` consecutive window coordinates (an MMA tile's rows or columns): the
// source span [lo, hi) each group's taps read, and the weight of (coordinate i of group grp, source index src).
struct AxisBands {
  std::vector<int> lo, hi;
  const WeightTable* table = nullptr;
  int offset = 0, window = 0, group = 8;

  AxisBands(const WeightTable& t, int offset_, int window_, int group_)
      : table(&t), offset(offset_), window(window_), group(group_) {
    for (int grp = 0; grp * group < window; ++grp) {
      int a = 1 << 30, b = 0;
      for (int i = 0; i < group; ++i)
        if (const int rc = resized(grp, i); rc >= 0) {
          a = std::min(a, t.start[size_t(rc)]);
          b = std::max(b, t.start[size_t(rc)] + t.count[size_t(rc)]);
        }
      if (a > b) {  // no resized coordinate in this group (padding): anchor at the nearest one, no taps
        const int rc = std::min(std::max(offset + grp * group, 0), t.out - 1);
        a = b = t.start[size_t(rc)];
      }
      lo.push_back(a);
      hi.push_back(b);
    }
  }
  int groups() const { return int(lo.size()); }
  // resized coordinate of window coordinate grp * group + i, or -1 outside the window or the resized image
  int resized(int grp, int i) const {
    const int wc = grp * group + i, rc = offset + wc;
    return wc < window && rc >= 0 && rc < table->out ? rc : -1;
  }
  double weight(int grp, int i, int src) const {
    const int rc = resized(grp, i);
    if (rc < 0) return 0.0;
    const int k = src - table->start[size_t(rc)];
    return k >= 0 && k < table->count[size_t(rc)] ? table->row(rc)[k] : 0.0;
  }
};

// The vertical weights of row group mt of vb for the designs that run the vertical pass transposed (E, F:
// variants/cuda/wgmma/, imma/): per chunk of 16 source rows from r0, per block of 8 output rows, per lane the
// m16n8k16 B fragment (k: the chunk's rows 2t, 2t + 1 and 2t + 8, 2t + 9; n: output row g) as fp16 hi, hi, lo, lo;
// and per chunk the mask of the blocks with a non-zero weight in it.
inline void transposed_vertical(const AxisBands& vb, int mt, int r0, int chunks, int blocks, std::vector<uint4>& frag,
                                std::vector<uint8_t>& masks) {
  for (int ci = 0; ci < chunks; ++ci) {
    uint8_t mask = 0;
    for (int nb = 0; nb < blocks; ++nb) {
      for (int i = 0; i < 8; ++i)
        for (int k = 0; k < 16; ++k)
          if (vb.weight(mt, 8 * nb + i, r0 + 16 * ci + k) != 0.0) mask |= uint8_t(1u << nb);
      for (int lane = 0; lane < 32; ++lane) {
        const int o = 8 * nb + (lane >> 2), k = r0 + 16 * ci + 2 * (lane & 3);
        const Half2Split b0 = split_pair(vb.weight(mt, o, k), vb.weight(mt, o, k + 1));
        const Half2Split b1 = split_pair(vb.weight(mt, o, k + 8), vb.weight(mt, o, k + 9));
        frag.push_back(make_uint4(b0.hi, b1.hi, b0.lo, b1.lo));
      }
    }
    masks.push_back(mask);
  }
}

// hf epilogue table of the tensor-core designs: fl32(fl32(q - mean255) / std255) of the 256 quantized values per
// channel ([3][256]), IEEE float32 on the host.
inline std::vector<float> hf_table(const Epilogue& e) {
  std::vector<float> lut(3 * 256);
  for (int c = 0; c < 3; ++c)
    for (int q = 0; q < 256; ++q) lut[size_t(c * 256 + q)] = epilogue_hf_u8(e, float(q), c);
  return lut;
}

// Orders a tile table the heaviest job first, each job's tiles in raster order (longest processing time first: a
// light last wave), by job_cost[tile.job].
template <typename Tile>
void heaviest_job_first(std::vector<Tile>& tiles, const std::vector<long long>& job_cost) {
  std::stable_sort(tiles.begin(), tiles.end(),
                   [&](const Tile& a, const Tile& b) { return job_cost[size_t(a.job)] > job_cost[size_t(b.job)]; });
}

}  // namespace pb::cuda
