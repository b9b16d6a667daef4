// Step 3 of the ring design: like cuda_separable_ring (a block streams a 32-column strip of one job down the image
// through a shared-memory ring of horizontally resampled rows), but each batch of up to 8 new source rows is first
// copied into shared memory (only the strip's source columns, uint8, consecutive threads on consecutive bytes), so
// the horizontal taps read shared memory instead of issuing scattered global loads (strong downscales put a warp's
// 32 taps ~10 px apart). Weight tables from setup.
#include "variants/cuda/cuda_ring.cuh"

namespace pb {
namespace {

using namespace cuda;
using namespace cuda::ring;

template <typename T>
__global__ void __launch_bounds__(kThreads)
separable_staged_kernel(const DevJob* __restrict__ jobs, const Strip* __restrict__ strips, DevTables t,
                        Epilogue e, DevLayout L, bool chw, int ring_rows, T* __restrict__ out) {
  extern __shared__ float smem[];
  float* ring = smem;                                                        // (ring_rows, 3, 32) floats
  uint8_t* stage = reinterpret_cast<uint8_t*>(smem + ring_rows * 3 * kCols);  // (8, 3, nc) bytes
  const Strip s = strips[blockIdx.x];
  const DevJob j = jobs[s.job];
  const int tx = threadIdx.x % kCols, ty = threadIdx.x / kCols;
  const int x = s.x0 + tx, rx = j.x0 + x;
  const bool col_ok = x < j.w && rx >= 0 && rx < j.rw;
  int hs = 0, hn = 0;
  const float* wh = nullptr;
  if (col_ok) {
    const int eh = j.h_entry + rx;
    hs = t.start[eh] - s.c0;
    hn = t.count[eh];
    wh = t.w + t.wofs[eh];
  }
  const int plane = kRowsPerStep * s.nc;  // one channel of the staging buffer
  int have_hi = -1;
  for (int yb = s.y0; yb < s.y1; yb += kRowsPerStep) {
    const int ya = max(yb, -j.y0), ye = min(min(yb + kRowsPerStep, s.y1), j.rh - j.y0);
    if (ya < ye) {
      const int lo = t.start[j.v_entry + j.y0 + ya];
      const int last = j.v_entry + j.y0 + ye - 1;
      const int hi = t.start[last] + t.count[last];
      for (int rb = max(have_hi, lo); rb < hi; rb += kRowsPerStep) {
        const int nrows = min(kRowsPerStep, hi - rb);
        // stage rows [rb, rb + nrows) x columns [c0, c0 + nc), channels first
        const int n = nrows * 3 * s.nc;
        for (int i = threadIdx.x; i < n; i += kThreads) {
          if (chw) {
            const int c = i / (nrows * s.nc), rem = i - c * nrows * s.nc, rr = rem / s.nc, cc = rem - rr * s.nc;
            stage[c * plane + rr * s.nc + cc] = j.src[(size_t(c) * j.src_h + rb + rr) * j.src_w + s.c0 + cc];
          } else {
            const int rr = i / (3 * s.nc), rem = i - rr * 3 * s.nc, cc = rem / 3, c = rem - cc * 3;
            stage[c * plane + rr * s.nc + cc] = j.src[(size_t(rb + rr) * j.src_w + s.c0 + cc) * 3 + c];
          }
        }
        __syncthreads();
        if (ty < nrows) {
          float acc[3] = {0.0f, 0.0f, 0.0f};
          for (int b = 0; b < hn; ++b)
            for (int c = 0; c < 3; ++c) acc[c] = fmaf(wh[b], float(stage[c * plane + ty * s.nc + hs + b]), acc[c]);
          float* slot = ring + ((rb + ty) % ring_rows) * (3 * kCols);
          for (int c = 0; c < 3; ++c) slot[c * kCols + tx] = acc[c];
        }
        __syncthreads();  // the next batch overwrites the staging buffer
      }
      have_hi = max(have_hi, hi);
    }
    const int y = yb + ty;
    if (y < s.y1 && x < j.w) vertical_step(out, L, j, t, e, ring, ring_rows, tx, y, x, col_ok);
    __syncthreads();  // the next step overwrites ring rows this step read
  }
}

class CudaSeparableStaged final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    const StripPlan sp = plan_strips(d_);
    ring_rows_ = sp.ring_rows;
    const int max_nc = sp.max_nc;
    smem_ = size_t(ring_rows_) * 3 * kCols * sizeof(float) + size_t(kRowsPerStep) * 3 * max_nc;
    allow_dynamic_smem(separable_staged_kernel<float>, separable_staged_kernel<__nv_bfloat16>, smem_,
                       "cuda_separable_staged");
    n_strips_ = int(sp.strips.size());
    strips_ = upload(ws, sp.strips, "strip table");
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs& in, const Output& out, void* stream) {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      separable_staged_kernel<<<n_strips_, kThreads, smem_, static_cast<cudaStream_t>(stream)>>>(
          d_.jobs, strips_, d_.tables, d_.epi, d_.layout, in.layout == Layout::CHW, ring_rows_, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  VariantInfo info_ = cuda_info("cuda_separable_staged",
                                "ring of resampled rows per 32-column strip (as cuda_separable_ring) with each batch of "
                                "8 source rows staged in shared memory by coalesced loads first; tables from setup");
  DevPlan d_;
  Strip* strips_ = nullptr;
  int n_strips_ = 0, ring_rows_ = 1;
  size_t smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_staged() { return std::make_unique<CudaSeparableStaged>(); }

}  // namespace pb
