// Design G of issue 16 (docs/design-log.md, session 13): separable resize on the CUDA cores for plans whose every
// output reads few source pixels per axis (at most 16 taps: downscales up to ~4x, Qwen2.5-VL's near-identity
// resizes). Where a plan needs few taps the tensor-core designs waste most of each MMA on zero weights and their
// epilogues store Qwen's patch rows one value at a time; here each block owns an output tile of one job and
//   1. stages the source window its tile reads (rows x columns, three channels, one float per byte, as laid out),
//   2. runs the horizontal pass with its column's kT weights in registers, into a second shared buffer,
//   3. runs the vertical pass and the epilogue (hf through a table of the 256 quantized values), and
//   4. on Qwen's patches, whose tile is whole merge windows (P*m rows, one or two windows wide), collects the
//      values in shared memory in patch order and writes the tile's patch rows, contiguous in the output, with
//      16-byte stores (each value to its T frames); NCHW and NHWC are stored straight from the vertical pass,
//      consecutive threads writing consecutive pixels.
// kT (5, 8 or 16: the plan's widest table, zero weights past each entry's count) is a template parameter so that
// the tap loops unroll. The tiles and tables come from the host plan (variants/cuda/fewtap/host_plan.cu).
#include <algorithm>
#include <string>

#include "variants/cuda/axis_bands.hpp"  // hf_table
#include "variants/cuda/fewtap/host_plan.hpp"
#include "variants/cuda/mma/stores.cuh"  // finish_sel

namespace pb {
namespace {

using namespace cuda;
using namespace cuda::fewtap;

struct FewTapArgs {
  const DevJob* jobs;
  const FewTapTile* tiles;
  const int* tap0;  // per table entry (DevJob::h_entry / v_entry numbering): its first source index
  const float* w;   // per table entry: kT weights, zero past its count
  const float* lut; // hf: [3][256]
  Epilogue e;
  DevLayout L;
};

__device__ __forceinline__ void put4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }
__device__ __forceinline__ void put4(__nv_bfloat16* p, float4 v) {
  const __nv_bfloat162 a = __floats2bfloat162_rn(v.x, v.y), b = __floats2bfloat162_rn(v.z, v.w);
  *reinterpret_cast<uint2*>(p) = make_uint2(*reinterpret_cast<const uint32_t*>(&a), *reinterpret_cast<const uint32_t*>(&b));
}

// A word's four bytes as floats: 2^23 + b built by a byte permute, minus 2^23 (exact; two full-rate instructions a
// byte, where a conversion runs at a quarter of the rate).
__device__ __forceinline__ float4 bytes_to_float4(uint32_t w) {
  const float k = 8388608.f;
  return make_float4(__int_as_float(__byte_perm(w, 0x4b00u, 0x5440u)) - k,
                     __int_as_float(__byte_perm(w, 0x4b00u, 0x5441u)) - k,
                     __int_as_float(__byte_perm(w, 0x4b00u, 0x5442u)) - k,
                     __int_as_float(__byte_perm(w, 0x4b00u, 0x5443u)) - k);
}

// The segment table of a tile's source window: segment s (staged row s / segs, channel s % segs of CHW) starts x
// bytes past the image's first aligned word (j.src - (j.src & 3)), and its first |n| words are loaded (n = 0: a row
// below the image; n < 0: a word of it would leave the image's buffer, so it is loaded byte by byte). 32-bit offsets:
// the host plan refuses an image of more than kMaxImageBytes.
__device__ __forceinline__ void build_segments(const DevJob& j, const FewTapTile& tl, bool chw, int inside, int2* seg,
                                               int tid, int threads) {
  const int segs = chw ? 3 : 1, la = int(reinterpret_cast<uintptr_t>(j.src) & 3), total = 3 * j.src_h * j.src_w;
  for (int s = tid; s < tl.nr * segs; s += threads) {
    const int rr = s / segs, c = s - rr * segs, r = tl.r0 + rr;
    int2 e = make_int2(0, 0);
    if (r < j.src_h) {
      e.x = la + (chw ? (c * j.src_h + r) * j.src_w + tl.c0 : (r * j.src_w + tl.c0) * 3);
      const int n = ((e.x & 3) + inside + 3) >> 2, w0 = e.x & ~3;
      e.y = w0 >= la && w0 + 4 * n <= la + total ? n : -n;
    }
    seg[s] = e;
  }
}

// Stages the tile's source window: word i of the window (segment i / nw, its word i % nw) lands as four floats at
// src + 4 i, so consecutive threads store consecutive 16 bytes; kBatch words per thread in flight before any is
// used. Words past a segment's table count are zeros; bytes of a loaded word outside its segment are other pixels of
// the image (finite): only taps of zero weight, or no tap, read them.
template <int kThreads>
__device__ __forceinline__ void stage_window(const DevJob& j, const FewTapTile& tl, bool chw, int inside,
                                             const int2* seg, float* src) {
  constexpr int kBatch = 8;
  const int nw = seg_words(tl, chw), n = tl.nr * (chw ? 3 : 1) * nw;
  const float inv_nw = 1.f / float(nw);  // (i + 0.5) / nw stays at least 0.5 / nw from an integer: exact quotients
  const int la = int(reinterpret_cast<uintptr_t>(j.src) & 3), total = 3 * j.src_h * j.src_w;
  const uint8_t* base = j.src - la;
  for (int i0 = 0; i0 < n; i0 += kBatch * kThreads) {
    uint32_t wv[kBatch];
#pragma unroll
    for (int u = 0; u < kBatch; ++u) {
      const int i = i0 + u * kThreads + threadIdx.x;
      wv[u] = 0;
      if (i >= n) continue;
      const int s = int((float(i) + 0.5f) * inv_nw), k = i - s * nw;
      const int2 e = seg[s];
      const int wo = (e.x & ~3) + 4 * k;
      if (k < e.y) {
        wv[u] = __ldg(reinterpret_cast<const unsigned int*>(base + wo));
      } else if (k < -e.y) {
        for (int b = 0; b < 4; ++b) {
          const int q = wo + b;
          if (q >= e.x && q < e.x + inside && q >= la && q < la + total) wv[u] |= uint32_t(__ldg(base + q)) << (8 * b);
        }
      }
    }
#pragma unroll
    for (int u = 0; u < kBatch; ++u) {
      const int i = i0 + u * kThreads + threadIdx.x;
      if (i < n) reinterpret_cast<float4*>(src)[i] = bytes_to_float4(wv[u]);
    }
  }
}

template <DstLayout kLayout, int kT, typename T>
__global__ void __launch_bounds__(block_threads<kLayout>(), kT <= 8 ? 4 : 2)
separable_fewtap_kernel(const FewTapArgs A, bool chw, T* __restrict__ out) {
  constexpr bool kQwen = kLayout == DstLayout::QwenPatches;
  constexpr int kTW = tile_w<kLayout>(), kThreads = block_threads<kLayout>();
  extern __shared__ __align__(16) float sm[];
  const FewTapTile tl = A.tiles[blockIdx.x];
  const DevJob j = A.jobs[tl.job];
  const bool hf = A.e.mode != Mode::Float;
  const FewTapSmem S = smem_of(tl, kQwen, kTW, kT, chw);
  float* lut = sm;
  float* src = sm + 3 * 256;
  float* hb = src + S.src;
  constexpr int kVR = vrow_floats(kT);
  float* vw = hb + S.hbuf;                                     // [th][kVR]
  int2* seg = reinterpret_cast<int2*>(vw + tl.th * kVR);       // [nr][3 or 1]
  int* vo = reinterpret_cast<int*>(seg + tl.nr * (chw ? 3 : 1));  // [th]: first tap, from r0
  const int tid = threadIdx.x, col = tid % kLanes, grp = tid / kLanes;
  if (hf)
    for (int i = tid; i < 3 * 256; i += kThreads) lut[i] = A.lut[i];

  // the weights, loaded before the staging so that their latency overlaps it: this thread's column (registers),
  // the tile's rows (shared memory)
  const int x = tl.x + col, rx = j.x0 + x;
  const bool col_in = col < tl.tw && rx >= 0 && rx < j.rw;
  float wh[kT];
  int hoff = 0;
  if (col_in) {
    const int e = j.h_entry + rx;
    hoff = A.tap0[e] - tl.c0;
#pragma unroll
    for (int b = 0; b < kT; ++b) wh[b] = __ldg(A.w + size_t(e) * kT + b);
  } else {
#pragma unroll
    for (int b = 0; b < kT; ++b) wh[b] = 0.f;
  }
  for (int i = tid; i < tl.th * kT; i += kThreads) {
    const int yy = i / kT, b = i - yy * kT, ry = j.y0 + tl.y + yy;
    if (ry < 0 || ry >= j.rh) continue;
    const int e = j.v_entry + ry;
    vw[yy * kVR + b] = __ldg(A.w + size_t(e) * kT + b);
    if (b == 0) vo[yy] = A.tap0[e] - tl.r0;
  }

  // 1. the source window
  const int inside = (chw ? 1 : 3) * min(tl.nc, j.src_w - tl.c0);  // bytes of each segment inside the image's row
  build_segments(j, tl, chw, inside, seg, tid, kThreads);
  __syncthreads();
  stage_window<kThreads>(j, tl, chw, inside, seg, src);
  __syncthreads();

  // 2. horizontal: this thread's column, its weights in registers, every staged row of its group; tap b of channel
  // c at float (S & 3) + hoff + b of its CHW segment, or (S & 3) + 3 (hoff + b) + c of the HWC one
  if (col_in) {
    const int rs = 4 * seg_words(tl, chw);  // floats per staged segment
    for (int rr = grp; rr < tl.nr; rr += kGroups) {
      float a0 = 0.f, a1 = 0.f, a2 = 0.f;
      if (chw) {
        const float* row = src + rr * 3 * rs + hoff;
        const float* s0 = row + (seg[3 * rr].x & 3);
        const float* s1 = row + rs + (seg[3 * rr + 1].x & 3);
        const float* s2 = row + 2 * rs + (seg[3 * rr + 2].x & 3);
#pragma unroll
        for (int b = 0; b < kT; ++b) {
          a0 = fmaf(wh[b], s0[b], a0);
          a1 = fmaf(wh[b], s1[b], a1);
          a2 = fmaf(wh[b], s2[b], a2);
        }
      } else {
        const float* s = src + rr * rs + (seg[rr].x & 3) + 3 * hoff;
#pragma unroll
        for (int b = 0; b < kT; ++b) {
          a0 = fmaf(wh[b], s[3 * b], a0);
          a1 = fmaf(wh[b], s[3 * b + 1], a1);
          a2 = fmaf(wh[b], s[3 * b + 2], a2);
        }
      }
      float* h = hb + rr * 3 * kTW + col;
      h[0] = a0;
      h[kTW] = a1;
      h[2 * kTW] = a2;
    }
  }
  __syncthreads();  // the source window is read: on Qwen it now collects the tile's patches

  // 3. vertical + epilogue; 4. the stores
  if (col < tl.tw) {
    // Qwen: this column's place in the tile's patches (merge column, mw; pixel column px)
    const int bxl = col / kQwenP, px = col - bxl * kQwenP;
    float* qcol = src + ((bxl / kQwenM) * kQwenM * kQwenM + bxl % kQwenM) * 3 * kQwenP * kQwenP + px;
    for (int yy = grp; yy < tl.th; yy += kGroups) {
      const int y = tl.y + yy, ry = j.y0 + y;
      float v[3];
      if (col_in && ry >= 0 && ry < j.rh) {
        const float* h = hb + vo[yy] * 3 * kTW + col;
        float w[kVR];
#pragma unroll
        for (int q = 0; q < kVR / 4; ++q) {
          const float4 f = reinterpret_cast<const float4*>(vw + yy * kVR)[q];
          w[4 * q] = f.x, w[4 * q + 1] = f.y, w[4 * q + 2] = f.z, w[4 * q + 3] = f.w;
        }
        float a0 = 0.f, a1 = 0.f, a2 = 0.f;
#pragma unroll
        for (int b = 0; b < kT; ++b) {
          const float wb = w[b];
          a0 = fmaf(wb, h[3 * b * kTW], a0);
          a1 = fmaf(wb, h[(3 * b + 1) * kTW], a1);
          a2 = fmaf(wb, h[(3 * b + 2) * kTW], a2);
        }
        v[0] = mma::finish_sel(hf, A.e, lut, a0, 0);
        v[1] = mma::finish_sel(hf, A.e, lut, a1, 1);
        v[2] = mma::finish_sel(hf, A.e, lut, a2, 2);
      } else {
#pragma unroll
        for (int c = 0; c < 3; ++c) v[c] = j.pad[c];
      }
      if constexpr (!kQwen) {
        put_pixel<kLayout>(out, j, y, x, v, (long long)j.h * j.w);
      } else {  // in patch order: patch (merge column, mh, mw) of the tile, then (c, py, px)
        const int mh = yy / kQwenP, py = yy - mh * kQwenP;
        float* s = qcol + mh * kQwenM * 3 * kQwenP * kQwenP + py * kQwenP;
#pragma unroll
        for (int c = 0; c < 3; ++c) s[c * kQwenP * kQwenP] = v[c];
      }
    }
  }
  if constexpr (kQwen) {
    // the tile's patch rows are consecutive rows of the output (SPEC.md §3.d): row (merge row, merge column) * m^2
    // + (mh, mw); a row is (c, t, py, px), each (c, t) plane a copy of the staged (c) plane
    __syncthreads();
    constexpr int kPP = kQwenP * kQwenP, kN4 = kPP / 4;
    const int nt = A.L.grid.temporal, row = 3 * nt * kPP;
    const int units = (tl.th / kQwenP) * (tl.tw / kQwenP) * 3 * kN4;
    const int gm = j.w / (kQwenP * kQwenM);
    T* base = out + (j.dst + ((long long)(tl.y / (kQwenP * kQwenM)) * gm + tl.x / (kQwenP * kQwenM)) * kQwenM * kQwenM) * row;
    for (int u = tid; u < units; u += kThreads) {
      // float4 u of the staged patches is float4 k of plane pc (patch pc / 3, channel pc % 3), whose frame t lands
      // at pc nt kPP + t kPP + 4 k = 4 u + (nt - 1) kPP pc + t kPP floats past base
      const int pc = u / kN4;
      const float4 val = reinterpret_cast<const float4*>(src)[u];
      T* d = base + 4 * u + (nt - 1) * kPP * pc;
      put4(d, val);
      if (nt == 2) {
        put4(d + kPP, val);
      } else {
#pragma unroll 1
        for (int t = 1; t < nt; ++t) put4(d + t * kPP, val);
      }
    }
  }
}

class CudaSeparableFewtap final : public JobTableVariant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    chw_ = in.layout == Layout::CHW;
    qwen_ = plan.layout == DstLayout::QwenPatches;
    const HostPlan hp = make_host_plan(plan, chw_, size_t(device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin)));
    check_aligned(out);
    d_ = upload_plan(plan, in, ws);
    kt_ = hp.kt;
    threads_ = hp.threads;
    smem_ = hp.smem;
    grid_ = int(hp.tiles.size());
    A_ = FewTapArgs{};
    A_.jobs = d_.jobs;
    A_.tiles = grid_ ? upload(ws, hp.tiles, "tile table") : nullptr;
    A_.tap0 = upload(ws, hp.tap0, "first taps");
    A_.w = upload(ws, hp.w, "weights");
    A_.lut = upload(ws, hf_table(d_.epi), "hf epilogue table");
    A_.e = d_.epi;
    A_.L = d_.layout;
    with_kernels([&](auto f32, auto bf16) { allow_dynamic_smem(f32, bf16, smem_, info_.name.c_str()); });
    out_ = out;
    return [this](void* stream) { run(stream); };
  }

  bool rebind(const Inputs& in, const Output& out, void* stream) override {
    if (qwen_ && !aligned(out)) return false;  // setup says why
    return JobTableVariant::rebind(in, out, stream);
  }

 private:
  static bool aligned(const Output& out) { return reinterpret_cast<uintptr_t>(out.data) % 16 == 0; }
  void check_aligned(const Output& out) const {
    if (qwen_ && !aligned(out))
      throw std::invalid_argument(info_.name + ": Qwen's patch rows are written with 16-byte stores; the output "
                                  "must start 16-byte aligned");
  }

  template <typename F>
  void with_kernels(F&& f) const {
    with_layout(d_.layout.kind, [&](auto layout) {
      constexpr DstLayout kL = decltype(layout)::value;
      if (kt_ == 5) f(separable_fewtap_kernel<kL, 5, float>, separable_fewtap_kernel<kL, 5, __nv_bfloat16>);
      else if (kt_ == 8) f(separable_fewtap_kernel<kL, 8, float>, separable_fewtap_kernel<kL, 8, __nv_bfloat16>);
      else f(separable_fewtap_kernel<kL, 16, float>, separable_fewtap_kernel<kL, 16, __nv_bfloat16>);
    });
  }

  void run(void* stream) {
    if (grid_ == 0) return;
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    with_kernels([&](auto f32, auto bf16) {
      if (out_.dtype == DType::F32) f32<<<grid_, threads_, smem_, s>>>(A_, chw_, static_cast<float*>(out_.data));
      else bf16<<<grid_, threads_, smem_, s>>>(A_, chw_, static_cast<__nv_bfloat16*>(out_.data));
      PB_CUDA_CHECK_LAUNCH();
    });
  }

  VariantInfo info_ = cuda_info("cuda_separable_fewtap",
                                "design G: CUDA-core fp32 separable for plans of at most 16 taps per axis (Qwen's "
                                "near-identity resizes): per output tile the source window and the horizontal pass in "
                                "shared memory, weights in registers; Qwen's patch rows collected in shared memory and "
                                "written whole with 16-byte stores");
  FewTapArgs A_{};
  bool chw_ = true, qwen_ = false;
  int kt_ = 8, grid_ = 0, threads_ = 0;
  size_t smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_fewtap() { return std::make_unique<CudaSeparableFewtap>(); }

}  // namespace pb
