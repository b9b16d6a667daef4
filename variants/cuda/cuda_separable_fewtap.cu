// Design G of issue 16 (docs/design-log.md, session 13): separable resize on the CUDA cores for plans whose every
// output reads few source pixels per axis (at most 16 taps: downscales up to ~4x, Qwen2.5-VL's near-identity
// resizes). Where a plan needs few taps the tensor-core designs waste most of each MMA on zero weights and their
// epilogues store Qwen's patch rows one value at a time; here each block owns an output tile of one job and
//   1. stages the source window its tile reads (rows x columns, three channels, as float; HWC deinterleaved),
//   2. runs the horizontal pass with its column's kT weights in registers, into a second shared buffer,
//   3. runs the vertical pass and the epilogue (hf through a table of the 256 quantized values), and
//   4. on Qwen's patches, whose tile is whole merge windows (P*m rows, one or two windows wide), collects the
//      values in shared memory in patch order and writes the tile's patch rows, contiguous in the output, with
//      16-byte stores (each value to its T frames); NCHW and NHWC are stored straight from the vertical pass,
//      consecutive threads writing consecutive pixels.
// kT (5, 8 or 16: the plan's widest table, zero weights past each entry's count) is a template parameter so that
// the tap loops unroll.
#include <algorithm>
#include <string>

#include "variants/cuda/axis_bands.hpp"  // hf_table
#include "variants/cuda/cuda_common.cuh"
#include "variants/cuda/mma/stores.cuh"  // finish_sel

namespace pb {
namespace {

using namespace cuda;

constexpr int kMaxTaps = 16;
constexpr int kPlainThreads = 256;      // NCHW / NHWC tiles: 64, 32, 16 or 8 columns
constexpr size_t kPreferredSmem = 64 * 1024;  // per block: 3 blocks per SM at least, where the tiles allow

struct FewTapTile {
  int job, y, x, th, tw;  // window rows [y, y + th), columns [x, x + tw)
  int r0, nr, c0, nc;     // the source window its taps read (rows past the image staged as zeros)
};

struct FewTapArgs {
  const DevJob* jobs;
  const FewTapTile* tiles;
  const int* tap0;  // per table entry (DevJob::h_entry / v_entry numbering): its first source index
  const float* w;   // per table entry: kT weights, zero past its count
  const float* lut; // hf: [3][256]
  Epilogue e;
  DevLayout L;
};

// Shared memory of a tile: the hf table, the source window (later, on Qwen, the patch-ordered values), the
// horizontal pass's output. Floats.
struct FewTapSmem {
  size_t src, hbuf;
  size_t bytes() const { return (3 * 256 + src + hbuf) * sizeof(float); }
};
__host__ __device__ FewTapSmem smem_of(const FewTapTile& t, const QwenGrid* qwen) {
  FewTapSmem s;
  s.src = size_t(3) * t.nr * t.nc;
  if (qwen) {
    const size_t patches = size_t(3) * qwen->patch * qwen->patch * (t.th / qwen->patch) * (t.tw / qwen->patch);
    s.src = s.src > patches ? s.src : patches;
  }
  s.src = (s.src + 3) / 4 * 4;  // keep the next buffer 16-byte aligned
  s.hbuf = size_t(3) * t.nr * t.tw;
  return s;
}

__device__ __forceinline__ void put4(float* p, float4 v) { *reinterpret_cast<float4*>(p) = v; }
__device__ __forceinline__ void put4(__nv_bfloat16* p, float4 v) {
  const __nv_bfloat162 a = __floats2bfloat162_rn(v.x, v.y), b = __floats2bfloat162_rn(v.z, v.w);
  *reinterpret_cast<uint2*>(p) = make_uint2(*reinterpret_cast<const uint32_t*>(&a), *reinterpret_cast<const uint32_t*>(&b));
}

template <DstLayout kLayout, int kT, typename T>
__global__ void __launch_bounds__(kPlainThreads)
separable_fewtap_kernel(const FewTapArgs A, bool chw, T* __restrict__ out) {
  extern __shared__ __align__(16) float sm[];
  const FewTapTile tl = A.tiles[blockIdx.x];
  const DevJob j = A.jobs[tl.job];
  const bool hf = A.e.mode != Mode::Float;
  float* lut = sm;
  float* src = sm + 3 * 256;
  const QwenGrid& q = A.L.grid;
  const FewTapSmem S = smem_of(tl, kLayout == DstLayout::QwenPatches ? &q : nullptr);
  float* hb = src + S.src;
  if (hf)
    for (int i = threadIdx.x; i < 3 * 256; i += blockDim.x) lut[i] = A.lut[i];
  // threads in groups of tw, one column each; threads past the last whole group (tw not dividing the block) idle
  const int tw = tl.tw, groups = blockDim.x / tw, col = threadIdx.x % tw;
  const int grp = threadIdx.x / tw < groups ? threadIdx.x / tw : 1 << 30;
  const int splane = tl.nr * tl.nc, hplane = tl.nr * tw;

  // 1. the source window, as float (zeros past the image: taps with zero weight read them)
  for (int rr = grp; rr < tl.nr; rr += groups) {
    const int r = tl.r0 + rr;
    float* s = src + rr * tl.nc;
    if (chw) {
      for (int c = 0; c < 3; ++c) {
        const uint8_t* p = j.src + (size_t(c) * j.src_h + r) * j.src_w;
        for (int cc = col; cc < tl.nc; cc += tw)
          s[c * splane + cc] = r < j.src_h && tl.c0 + cc < j.src_w ? float(__ldg(p + tl.c0 + cc)) : 0.f;
      }
    } else {
      const uint8_t* p = j.src + (size_t(r) * j.src_w + tl.c0) * 3;
      const int n = 3 * min(tl.nc, j.src_w - tl.c0);
      for (int k = col; k < 3 * tl.nc; k += tw) {
        const int cc = k / 3, c = k - 3 * cc;
        s[c * splane + cc] = r < j.src_h && k < n ? float(__ldg(p + k)) : 0.f;
      }
    }
  }
  __syncthreads();

  // 2. horizontal: this thread's column, its weights in registers, every staged row of its group
  const int x = tl.x + col, rx = j.x0 + x;
  const bool col_in = rx >= 0 && rx < j.rw;
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
  for (int rr = grp; rr < tl.nr; rr += groups) {
    const float* s = src + rr * tl.nc + hoff;
    float a[3] = {0.f, 0.f, 0.f};
#pragma unroll
    for (int b = 0; b < kT; ++b)
#pragma unroll
      for (int c = 0; c < 3; ++c) a[c] = fmaf(wh[b], s[c * splane + b], a[c]);
#pragma unroll
    for (int c = 0; c < 3; ++c) hb[c * hplane + rr * tw + col] = a[c];
  }
  __syncthreads();  // the source window is read: on Qwen it now collects the tile's patches

  // 3. vertical + epilogue; 4. the stores
  const int P = q.patch, PP = P * P;
  const int bxl = col / P, px = col - bxl * P;  // Qwen: patch column in the tile, pixel column in the patch
  const int mw = bxl % q.merge, mcol = bxl / q.merge;
  for (int yy = grp; yy < tl.th; yy += groups) {
    const int y = tl.y + yy, ry = j.y0 + y;
    float v[3];
    if (col_in && ry >= 0 && ry < j.rh) {
      const int e = j.v_entry + ry;
      const float* h = hb + (A.tap0[e] - tl.r0) * tw + col;
      const float* wv = A.w + size_t(e) * kT;
      float a[3] = {0.f, 0.f, 0.f};
#pragma unroll
      for (int b = 0; b < kT; ++b) {
        const float wb = __ldg(wv + b);
#pragma unroll
        for (int c = 0; c < 3; ++c) a[c] = fmaf(wb, h[c * hplane + b * tw], a[c]);
      }
#pragma unroll
      for (int c = 0; c < 3; ++c) v[c] = mma::finish_sel(hf, A.e, lut, a[c], c);
    } else {
#pragma unroll
      for (int c = 0; c < 3; ++c) v[c] = j.pad[c];
    }
    if constexpr (kLayout == DstLayout::NCHW) {
      T* p = out + j.dst + (long long)y * j.w + x;
#pragma unroll
      for (int c = 0; c < 3; ++c) put(p, (long long)c * j.h * j.w, v[c]);
    } else if constexpr (kLayout == DstLayout::NHWC) {
      T* p = out + nhwc_index(j, 0, y, x);
#pragma unroll
      for (int c = 0; c < 3; ++c) put(p, c, v[c]);
    } else {  // patch-ordered in shared memory: patch (merge column, mh, mw) of the tile, then (c, py, px)
      const int mh = yy / P, py = yy - mh * P;
      float* s = src + ((mcol * q.merge + mh) * q.merge + mw) * 3 * PP + py * P + px;
#pragma unroll
      for (int c = 0; c < 3; ++c) s[c * PP] = v[c];
    }
  }
  if constexpr (kLayout == DstLayout::QwenPatches) {
    // the tile's patch rows are consecutive rows of the output (SPEC.md §3.d): row (merge row, merge column) * m^2
    // + (mh, mw); a row is (c, t, py, px), each (c, t) plane a copy of the staged (c) plane
    __syncthreads();
    const int n4 = PP / 4, units = (tl.th / P) * (tw / P) * 3 * n4;
    const int gm = j.w / P / q.merge, row = 3 * q.temporal * PP;
    T* base = out + (j.dst + ((long long)(tl.y / P / q.merge) * gm + tl.x / P / q.merge) * q.merge * q.merge) * row;
    for (int u = threadIdx.x; u < units; u += blockDim.x) {
      const int pc = u / n4, k = u - pc * n4, p = pc / 3, c = pc - 3 * p;  // patch, channel, float4 of the plane
      const float4 val = reinterpret_cast<const float4*>(src)[u];
      T* d = base + (long long)p * row + c * q.temporal * PP + 4 * k;
      for (int t = 0; t < q.temporal; ++t) put4(d + t * PP, val);
    }
  }
}

class CudaSeparableFewtap final : public JobTableVariant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    taps_ = 0;
    for (const Job& j : plan.jobs)  // pure padding jobs (LLaVA-NeXT's batch padding) have a dummy table, never read
      if (j.ya < j.yb && j.xa < j.xb)
        taps_ = std::max({taps_, plan.htable(j).max_count(), plan.vtable(j).max_count()});
    if (taps_ > kMaxTaps)
      throw std::invalid_argument(info_.name + ": the plan reads up to " + std::to_string(taps_) +
                                  " source pixels per output and axis (taps per axis), more than its " +
                                  std::to_string(kMaxTaps));
    kt_ = taps_ <= 5 ? 5 : taps_ <= 8 ? 8 : 16;
    qwen_ = plan.layout == DstLayout::QwenPatches;
    if (qwen_ && ((plan.qwen.patch * plan.qwen.patch) % 4 != 0 || plan.qwen.patch * plan.qwen.merge > 64))
      throw std::invalid_argument(info_.name + ": Qwen patches of " + std::to_string(plan.qwen.patch) +
                                  " pixels (its 16-byte stores need patch^2 % 4 == 0, its tiles patch * merge <= 64)");
    check_aligned(out);
    d_ = upload_plan(plan, in, ws);

    // every table entry padded to kt_ weights, in upload_plan's entry order (a padding job's dummy table cut short:
    // never read)
    std::vector<int> tap0;
    std::vector<float> w;
    for (const WeightTable& t : plan.tables)
      for (int i = 0; i < t.out; ++i) {
        tap0.push_back(t.start[size_t(i)]);
        for (int b = 0; b < kt_; ++b) w.push_back(b < t.count[size_t(i)] ? float(t.row(i)[b]) : 0.f);
      }

    const QwenGrid* qg = qwen_ ? &plan.qwen : nullptr;
    threads_ = qwen_ ? 4 * 2 * plan.qwen.patch * plan.qwen.merge : kPlainThreads;
    const int mw = qwen_ ? plan.qwen.patch * plan.qwen.merge : 0;  // a merge window's side
    const std::vector<std::array<int, 2>> shapes =
        qwen_ ? std::vector<std::array<int, 2>>{{mw, 2 * mw}, {mw, mw}}
              : std::vector<std::array<int, 2>>{{32, 64}, {16, 64}, {16, 32}, {8, 32}, {8, 16}, {4, 16}, {4, 8}, {1, 8}};
    const size_t max_smem = size_t(device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin));
    std::vector<FewTapTile> tiles;
    smem_ = 0;
    for (size_t i = 0; i < plan.jobs.size(); ++i) {
      std::vector<FewTapTile> best;
      size_t best_cost = 0;
      for (const auto& sh : shapes) {
        std::vector<FewTapTile> mine;
        size_t worst = 0;
        const DevJob& j = d_.host_jobs[i];
        for (int y = 0; y < j.h; y += sh[0])
          for (int x = 0; x < j.w; x += sh[1]) {
            mine.push_back(make_tile(int(i), y, x, std::min(sh[0], j.h - y), std::min(sh[1], j.w - x), tap0));
            worst = std::max(worst, smem_of(mine.back(), qg).bytes());
          }
        if (best.empty() || worst < best_cost) {
          best = std::move(mine);
          best_cost = worst;
        }
        if (best_cost <= kPreferredSmem) break;
      }
      if (best_cost > max_smem)
        throw std::invalid_argument(info_.name + ": the smallest tile of job " + std::to_string(i) + " needs " +
                                    std::to_string(best_cost) + " bytes of shared memory, the device allows " +
                                    std::to_string(max_smem));
      smem_ = std::max(smem_, best_cost);
      tiles.insert(tiles.end(), best.begin(), best.end());
    }
    grid_ = int(tiles.size());
    A_ = FewTapArgs{};
    A_.jobs = d_.jobs;
    A_.tiles = grid_ ? upload(ws, tiles, "tile table") : nullptr;
    A_.tap0 = upload(ws, tap0, "first taps");
    A_.w = upload(ws, w, "weights");
    A_.lut = upload(ws, hf_table(d_.epi), "hf epilogue table");
    A_.e = d_.epi;
    A_.L = d_.layout;
    chw_ = in.layout == Layout::CHW;
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

  FewTapTile make_tile(int job, int y, int x, int th, int tw, const std::vector<int>& tap0) const {
    const DevJob& j = d_.host_jobs[size_t(job)];
    FewTapTile t{job, y, x, th, tw, 0, 0, 0, 0};
    // resized rows / columns of the tile inside the resized image; their first taps span the staged window
    const int ya = std::max(j.y0 + y, 0), yb = std::min(j.y0 + y + th, j.rh);
    const int xa = std::max(j.x0 + x, 0), xb = std::min(j.x0 + x + tw, j.rw);
    if (ya >= yb || xa >= xb) return t;  // padding only
    const int hfirst = j.h_entry, vfirst = j.v_entry;
    t.c0 = tap0[size_t(hfirst + xa)];
    t.nc = tap0[size_t(hfirst + xb - 1)] + kt_ - t.c0;
    t.r0 = tap0[size_t(vfirst + ya)];
    t.nr = tap0[size_t(vfirst + yb - 1)] + kt_ - t.r0;
    return t;
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
  int taps_ = 0, kt_ = 8, grid_ = 0, threads_ = kPlainThreads;
  size_t smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_fewtap() { return std::make_unique<CudaSeparableFewtap>(); }

}  // namespace pb
