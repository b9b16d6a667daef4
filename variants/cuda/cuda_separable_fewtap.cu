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

#include "variants/cuda/async_copy.cuh"
#include "variants/cuda/axis_bands.hpp"  // hf_table
#include "variants/cuda/fewtap/host_plan.hpp"
#include "variants/cuda/mma/stores.cuh"  // finish_sel

namespace pb {
namespace {

using namespace cuda;
using namespace cuda::fewtap;

struct FewTapArgs {
  const DevJob* jobs;     // the source pointers (a record's job copy has none)
  const FewTapRec* recs;  // per tile
  int ntiles;
  const int* tap0;  // per table entry (DevJob::h_entry / v_entry numbering): its first source index
  const float* w;   // per table entry: kT weights, zero past its count
  const float* lut; // hf: [3][256]
  Epilogue e;
  DevLayout L;
  FewTapSmem B;     // the block's buffers (words; the largest over the tiles)
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

// Tile i's record into shared memory, 16 bytes a thread, in the callers' commit group.
__device__ __forceinline__ void fetch_rec(const FewTapArgs& A, int i, FewTapRec* dst) {
  if (int(threadIdx.x) < kRecWords / 4)
    cp_async16(reinterpret_cast<float4*>(dst) + threadIdx.x, reinterpret_cast<const float4*>(A.recs + i) + threadIdx.x);
}

// Bytes of each staged segment inside the image's row.
__device__ __forceinline__ int inside_bytes(const FewTapRec& R, bool chw) {
  return (chw ? 1 : 3) * min(R.t.nc, R.j.src_w - R.t.c0);
}

// The segment table of a tile's source window: segment s (staged row s / segs, channel s % segs of CHW) starts x
// bytes past the image's first aligned word (src - (src & 3)), and its first |n| words are loaded (n = 0: a row
// below the image; n < 0: a word of it would leave the image's buffer, so it is loaded byte by byte). 32-bit offsets:
// the host plan refuses an image of more than kMaxImageBytes.
template <int kThreads>
__device__ __forceinline__ void build_segments(const FewTapRec& R, const uint8_t* src, bool chw, int2* seg) {
  const FewTapTile& tl = R.t;
  const int segs = chw ? 3 : 1, la = int(reinterpret_cast<uintptr_t>(src) & 3), total = 3 * R.j.src_h * R.j.src_w;
  const int inside = inside_bytes(R, chw);
  for (int s = threadIdx.x; s < tl.nr * segs; s += kThreads) {
    const int rr = chw ? s / 3 : s, c = s - rr * segs, r = tl.r0 + rr;
    int2 e = make_int2(0, 0);
    if (r < R.j.src_h) {
      e.x = la + (chw ? (c * R.j.src_h + r) * R.j.src_w + tl.c0 : (r * R.j.src_w + tl.c0) * 3);
      const int n = ((e.x & 3) + inside + 3) >> 2, w0 = e.x & ~3;
      e.y = w0 >= la && w0 + 4 * n <= la + total ? n : -n;
    }
    seg[s] = e;
  }
}

// Puts a tile's loads in flight (this thread's share, in the callers' commit group): the source window's words
// (word i of the window, segment i / nw and its word i % nw, to raw[i]; words past a segment's count zeros, the
// words of a segment at the buffer's edge byte by byte, at once), and the tile rows' vertical weights and first taps.
// Bytes of a loaded word outside its segment are other pixels of the image: only taps of zero weight read them.
template <int kT, int kThreads>
__device__ __forceinline__ void issue_tile(const FewTapArgs& A, const FewTapRec& R, const uint8_t* src, bool chw,
                                           const int2* seg, uint32_t* raw, float* vw, int* vt0) {
  constexpr int kVR = vrow_floats(kT);
  const FewTapTile& tl = R.t;
  const int nw = seg_words(tl, chw), n = tl.nr * (chw ? 3 : 1) * nw;
  const float inv_nw = 1.f / float(nw);  // (i + 0.5) / nw stays at least 0.5 / nw from an integer: exact quotients
  const int la = int(reinterpret_cast<uintptr_t>(src) & 3), total = 3 * R.j.src_h * R.j.src_w;
  const int inside = inside_bytes(R, chw);
  const uint8_t* base = src - la;
  for (int i = threadIdx.x; i < n; i += kThreads) {
    const int s = int((float(i) + 0.5f) * inv_nw), k = i - s * nw;
    const int2 e = seg[s];
    const int wo = (e.x & ~3) + 4 * k;
    if (k < e.y) {
      cp_async4(raw + i, base + wo);
    } else {
      uint32_t v = 0;
      if (k < -e.y)
        for (int b = 0; b < 4; ++b) {
          const int q = wo + b;
          if (q >= e.x && q < e.x + inside && q >= la && q < la + total) v |= uint32_t(__ldg(base + q)) << (8 * b);
        }
      raw[i] = v;
    }
  }
  for (int i = threadIdx.x; i < tl.th * kT; i += kThreads) {
    const int yy = i / kT, b = i - yy * kT, ry = R.j.y0 + tl.y + yy;
    if (ry < 0 || ry >= R.j.rh) continue;
    const int e = R.j.v_entry + ry;
    cp_async4(vw + yy * kVR + b, A.w + size_t(e) * kT + b);
    if (b == 0) cp_async4(vt0 + yy, A.tap0 + e);
  }
}

// This thread's column of a tile: its table entry, or -1 outside the resized image.
template <int kTW>
__device__ __forceinline__ int column_entry(const FewTapRec& R, int col) {
  const int rx = R.j.x0 + R.t.x + col;
  return col < R.t.tw && rx >= 0 && rx < R.j.rw ? R.j.h_entry + rx : -1;
}

// Persistent: block b runs tiles b, b + G, b + 2G, ... (G = gridDim.x), each tile's loads in flight under the
// previous tile's vertical pass and stores:
//   wait for this tile's loads; widen its staged bytes to floats; horizontal pass; the next tile's segment table;
//   the next tile's loads and the record of the one after it; vertical pass + epilogue; Qwen's copy-out.
template <DstLayout kLayout, int kT, typename T>
__global__ void __launch_bounds__(block_threads<kLayout>(), kT <= 8 ? 3 : 2)
separable_fewtap_kernel(const FewTapArgs A, bool chw, T* __restrict__ out) {
  constexpr bool kQwen = kLayout == DstLayout::QwenPatches;
  constexpr int kTW = tile_w<kLayout>(), kThreads = block_threads<kLayout>(), kVR = vrow_floats(kT);
  extern __shared__ __align__(16) float sm[];
  float* lut = sm;
  FewTapRec* recs = reinterpret_cast<FewTapRec*>(sm + kLutWords);  // [3]
  uint32_t* raw0 = reinterpret_cast<uint32_t*>(sm + kLutWords + 3 * kRecWords);
  int2* seg0 = reinterpret_cast<int2*>(raw0 + 2 * A.B.raw);
  float* vw0 = reinterpret_cast<float*>(seg0) + 2 * A.B.segs;
  int* vt00 = reinterpret_cast<int*>(vw0 + 2 * A.B.vw);
  float* src = reinterpret_cast<float*>(vt00 + 2 * A.B.vt0);
  float* hb = src + A.B.src;
  const int tid = threadIdx.x, col = tid % kTW, grp = tid / kTW, G = gridDim.x;
  const bool hf = A.e.mode != Mode::Float;
  int t = blockIdx.x;
  if (t >= A.ntiles) return;  // the whole block: the grid is at most the tile count anyway
  if (hf)
    for (int i = tid; i < kLutWords; i += kThreads) lut[i] = A.lut[i];

  // prologue: the first two tiles' records, then the first tile's loads
  fetch_rec(A, t, recs);
  if (t + G < A.ntiles) fetch_rec(A, t + G, recs + 1);
  cp_async_commit();
  cp_async_wait<0>();
  __syncthreads();
  const uint8_t* srcp = A.jobs[recs[0].t.job].src;
  build_segments<kThreads>(recs[0], srcp, chw, seg0);
  __syncthreads();
  issue_tile<kT, kThreads>(A, recs[0], srcp, chw, seg0, raw0, vw0, vt00);
  cp_async_commit();
  // this thread's horizontal weights of the next tile to run, loaded a tile ahead (used after the next wait)
  float whn[kT];
  int h0n = 0;
  auto load_wh = [&](const FewTapRec& R) {
    const int e = column_entry<kTW>(R, col);
#pragma unroll
    for (int b = 0; b < kT; ++b) whn[b] = e >= 0 ? __ldg(A.w + size_t(e) * kT + b) : 0.f;
    h0n = e >= 0 ? __ldg(A.tap0 + e) : 0;
  };
  load_wh(recs[0]);

  for (int k = 0;; ++k) {
    const int cur = k & 1, nxt = cur ^ 1;
    const FewTapRec& R = recs[k % 3];
    const FewTapTile& tl = R.t;
    const uint32_t* raw = raw0 + cur * A.B.raw;
    const int2* seg = seg0 + cur * (A.B.segs / 2);
    const float* vw = vw0 + cur * A.B.vw;
    const int* vt0 = vt00 + cur * A.B.vt0;
    const bool more = t + G < A.ntiles;
    cp_async_wait<0>();  // this tile's window, weights and first taps; the next tile's record
    __syncthreads();
    const FewTapRec& N = recs[(k + 1) % 3];
    const uint8_t* srcn = more ? A.jobs[N.t.job].src : nullptr;  // used after the horizontal pass

    // 1. the staged bytes as floats: word i to floats 4i..4i+3 (consecutive threads, consecutive 16 bytes)
    const int nwin = tl.nr * (chw ? 3 : 1) * seg_words(tl, chw);
    for (int i = tid; i < nwin; i += kThreads) reinterpret_cast<float4*>(src)[i] = bytes_to_float4(raw[i]);
    float wh[kT];
#pragma unroll
    for (int b = 0; b < kT; ++b) wh[b] = whn[b];
    const bool col_in = column_entry<kTW>(R, col) >= 0;
    const int hoff = h0n - tl.c0;
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
    if (more) build_segments<kThreads>(N, srcn, chw, seg0 + nxt * (A.B.segs / 2));
    __syncthreads();  // hb is complete, the next segment table too; the window is read (on Qwen it now collects the
                      // tile's patches)

    // 3. the next tile's loads and the record of the one after it, in flight under this tile's vertical pass
    if (more) {
      issue_tile<kT, kThreads>(A, N, srcn, chw, seg0 + nxt * (A.B.segs / 2), raw0 + nxt * A.B.raw,
                               vw0 + nxt * A.B.vw, vt00 + nxt * A.B.vt0);
      if (t + 2 * G < A.ntiles) fetch_rec(A, t + 2 * G, recs + (k + 2) % 3);
      load_wh(N);
    }
    cp_async_commit();

    // 4. vertical + epilogue; the stores (Qwen: into the tile's patches)
    if (col < tl.tw) {
      const int x = tl.x + col;
      // Qwen: this column's place in the tile's patches (merge column, mw; pixel column px)
      const int bxl = col / kQwenP, px = col - bxl * kQwenP;
      float* qcol = src + ((bxl / kQwenM) * kQwenM * kQwenM + bxl % kQwenM) * 3 * kQwenP * kQwenP + px;
      for (int yy = grp; yy < tl.th; yy += kGroups) {
        const int y = tl.y + yy, ry = R.j.y0 + y;
        float v[3];
        if (col_in && ry >= 0 && ry < R.j.rh) {
          const float* h = hb + (vt0[yy] - tl.r0) * 3 * kTW + col;
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
          for (int c = 0; c < 3; ++c) v[c] = R.j.pad[c];
        }
        if constexpr (!kQwen) {
          put_pixel<kLayout>(out, R.j, y, x, v, (long long)R.j.h * R.j.w);
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
      const int gm = R.j.w / (kQwenP * kQwenM);
      T* base = out + (R.j.dst + ((long long)(tl.y / (kQwenP * kQwenM)) * gm + tl.x / (kQwenP * kQwenM)) * kQwenM *
                                     kQwenM) * row;
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
          for (int f = 1; f < nt; ++f) put4(d + f * kPP, val);
        }
      }
    }
    if (!more) break;
    t += G;
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
    std::vector<FewTapRec> recs(hp.tiles.size());
    for (size_t i = 0; i < recs.size(); ++i) {
      recs[i].t = hp.tiles[i];
      recs[i].j = d_.host_jobs[size_t(hp.tiles[i].job)];
      recs[i].j.src = nullptr;  // A.jobs holds it (rebind)
    }
    A_ = FewTapArgs{};
    A_.jobs = d_.jobs;
    A_.ntiles = int(recs.size());
    A_.recs = recs.empty() ? nullptr : upload(ws, recs, "tile records");
    A_.B = hp.layout;
    A_.tap0 = upload(ws, hp.tap0, "first taps");
    A_.w = upload(ws, hp.w, "weights");
    A_.lut = upload(ws, hf_table(d_.epi), "hf epilogue table");
    A_.e = d_.epi;
    A_.L = d_.layout;
    grid_ = 0;
    with_kernels([&](auto f32, auto bf16) {
      allow_dynamic_smem(f32, bf16, smem_, info_.name.c_str());
      if (A_.ntiles > 0)  // persistent: as many blocks as the device holds at once, at most one per tile
        grid_ = std::min(A_.ntiles, out.dtype == DType::F32 ? resident_blocks(f32, threads_, smem_)
                                                            : resident_blocks(bf16, threads_, smem_));
    });
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
