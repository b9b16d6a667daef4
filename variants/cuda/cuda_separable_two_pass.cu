// torchvision's algorithm for the whole ragged batch in two launches: a horizontal pass over just the source rows
// and window columns the vertical pass needs, into a float intermediate in global memory; then the vertical pass
// with the epilogue fused, writing the final layout (crop and patchify folded into output coordinates).
#include "profiling/nvtx.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

constexpr int kTileW = 32, kTileH = 8;

struct SepJob {
  long long off;  // element offset of this job's (3, nr, nx) intermediate
  int r0, nr, xa, nx;
};

__global__ void __launch_bounds__(kTileW * kTileH)
hpass_kernel(const DevJob* __restrict__ jobs, const SepJob* __restrict__ sj, const int3* __restrict__ tiles,
             DevTables t, bool chw, float* __restrict__ inter) {
  const int3 tile = tiles[blockIdx.x];
  const DevJob j = jobs[tile.x];
  const SepJob s = sj[tile.x];
  const int xi = tile.z + threadIdx.x, ri = tile.y + threadIdx.y;
  if (xi >= s.nx || ri >= s.nr) return;
  const int e = j.h_entry + s.xa + xi, hs = t.start[e], hn = t.count[e], r = s.r0 + ri;
  const float* w = t.w + t.wofs[e];
  float acc[3] = {0.0f, 0.0f, 0.0f};
  for (int b = 0; b < hn; ++b)
    for (int c = 0; c < 3; ++c) acc[c] = fmaf(w[b], pix(j.src, chw, j.src_h, j.src_w, c, r, hs + b), acc[c]);
  for (int c = 0; c < 3; ++c) inter[s.off + (size_t(c) * s.nr + ri) * s.nx + xi] = acc[c];
}

template <typename T>
__global__ void __launch_bounds__(kTileW * kTileH)
vpass_kernel(const DevJob* __restrict__ jobs, const SepJob* __restrict__ sj, const int3* __restrict__ tiles,
             DevTables t, Epilogue e, DevLayout L, const float* __restrict__ inter, T* __restrict__ out) {
  const int3 tile = tiles[blockIdx.x];
  const DevJob j = jobs[tile.x];
  const int x = tile.z + threadIdx.x, y = tile.y + threadIdx.y;
  if (x >= j.w || y >= j.h) return;
  if (store_pad_if_outside(out, L, j, y, x)) return;
  const int ry = j.y0 + y, rx = j.x0 + x;
  const SepJob s = sj[tile.x];
  const int ev = j.v_entry + ry, vs = t.start[ev], vn = t.count[ev];
  const float* w = t.w + t.wofs[ev];
  const float* col = inter + s.off + size_t(vs - s.r0) * s.nx + (rx - s.xa);
  const size_t plane = size_t(s.nr) * s.nx;
  float acc[3] = {0.0f, 0.0f, 0.0f};
  for (int a = 0; a < vn; ++a)
    for (int c = 0; c < 3; ++c) acc[c] = fmaf(w[a], col[c * plane + size_t(a) * s.nx], acc[c]);
  for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, epilogue_value(e, acc[c], c));
}

class CudaSeparableTwoPass final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    std::vector<SepJob> sj;
    std::vector<int3> htiles, vtiles;
    long long off = 0;
    for (size_t i = 0; i < d_.host_jobs.size(); ++i) {
      const DevJob& j = d_.host_jobs[i];
      const Job& w = plan.jobs[i];  // its window span
      SepJob s{off, w.r0, w.r1 - w.r0, w.xa, w.xb - w.xa};
      sj.push_back(s);
      off += 3LL * s.nr * s.nx;
      append_tiles(htiles, int(i), s.nr, s.nx, kTileH, kTileW);
      append_tiles(vtiles, int(i), j.h, j.w, kTileH, kTileW);
    }
    inter_ = ws.allocate_array<float>(size_t(std::max(off, 1LL)), "horizontal-pass intermediate");
    sep_ = upload(ws, sj, "pass table");
    htiles_ = upload(ws, htiles, "H tile table");
    vtiles_ = upload(ws, vtiles, "V tile table");
    n_h_ = int(htiles.size());
    n_v_ = int(vtiles.size());
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs& in, const Output& out, void* stream) {
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    if (n_h_ > 0) {
      NvtxRange r("stage: horizontal pass");
      hpass_kernel<<<n_h_, dim3(kTileW, kTileH), 0, s>>>(d_.jobs, sep_, htiles_, d_.tables, in.layout == Layout::CHW, inter_);
      PB_CUDA_CHECK_LAUNCH();
    }
    NvtxRange r("stage: vertical pass + epilogue");
    with_dtype(out.dtype, out.data, [&](auto* o) {
      vpass_kernel<<<n_v_, dim3(kTileW, kTileH), 0, s>>>(d_.jobs, sep_, vtiles_, d_.tables, d_.epi, d_.layout, inter_, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  VariantInfo info_ = cuda_info("cuda_separable_two_pass",
                                "torchvision's algorithm, batched: H pass over only the needed rows/columns into a "
                                "float global intermediate, then V pass + epilogue into the final layout; 2 launches");
  DevPlan d_;
  float* inter_ = nullptr;
  SepJob* sep_ = nullptr;
  int3 *htiles_ = nullptr, *vtiles_ = nullptr;
  int n_h_ = 0, n_v_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_two_pass() { return std::make_unique<CudaSeparableTwoPass>(); }

}  // namespace pb
