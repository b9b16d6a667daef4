// Separable resize streaming each 32-column strip of an output window down the image: a block keeps a ring of
// horizontally-resampled source rows (float, 3 channels x 32 columns per row) in shared memory, adds each source
// row to it once, and computes 8 output rows per step from the ring (vertical taps + epilogue + final layout).
// No halo rows are recomputed inside a strip; strips run 64 output rows (16 for vertical scales > 3, for
// parallelism). One launch for the ragged batch through a strip table from setup. Weight tables from setup.
#include "variants/cuda/cuda_ring.cuh"

namespace pb {
namespace {

using namespace cuda;
using namespace cuda::ring;

constexpr int kBatch = 4;  // horizontal taps loaded together; 8 measured no better overall (geomean 1.008)

template <typename T>
__global__ void __launch_bounds__(kThreads)
separable_ring_kernel(const DevJob* __restrict__ jobs, const Strip* __restrict__ strips, DevTables t, Epilogue e,
                      DevLayout L, bool chw, int ring_rows, T* __restrict__ out) {
  extern __shared__ float ring[];  // (ring_rows, 3, 32)
  const Strip s = strips[blockIdx.x];
  const DevJob j = jobs[s.job];
  const int tx = threadIdx.x % kCols, ty = threadIdx.x / kCols;
  const int x = s.x0 + tx, rx = j.x0 + x;
  const bool col_ok = x < j.w && rx >= 0 && rx < j.rw;
  int hs = 0, hn = 0;
  const float* wh = nullptr;
  if (col_ok) {
    const int eh = j.h_entry + rx;
    hs = t.start[eh];
    hn = t.count[eh];
    wh = t.w + t.wofs[eh];
  }
  int have_hi = -1;  // source rows [?, have_hi) are in the ring
  for (int yb = s.y0; yb < s.y1; yb += kRowsPerStep) {
    // Source rows this step's inside-the-image output rows need (the same answer in every thread).
    const int ya = max(yb, -j.y0), ye = min(min(yb + kRowsPerStep, s.y1), j.rh - j.y0);
    if (ya < ye) {
      const int lo = t.start[j.v_entry + j.y0 + ya];
      const int last = j.v_entry + j.y0 + ye - 1;
      const int hi = t.start[last] + t.count[last];
      for (int r = max(have_hi, lo) + ty; r < hi; r += kRowsPerStep) {
        // Taps in batches of kBatch: every load of a batch is issued before its FMAs, so a thread keeps 3 * kBatch
        // scattered loads in flight whatever registers the allocator would otherwise grant (summation order kept).
        float acc[3] = {0.0f, 0.0f, 0.0f};
        int b = 0;
        for (; b + kBatch <= hn; b += kBatch) {
          float w4[kBatch], p4[kBatch][3];
#pragma unroll
          for (int u = 0; u < kBatch; ++u) {
            w4[u] = wh[b + u];
            for (int c = 0; c < 3; ++c) p4[u][c] = pix(j.src, chw, j.src_h, j.src_w, c, r, hs + b + u);
          }
#pragma unroll
          for (int u = 0; u < kBatch; ++u)
            for (int c = 0; c < 3; ++c) acc[c] = fmaf(w4[u], p4[u][c], acc[c]);
        }
        for (; b < hn; ++b)
          for (int c = 0; c < 3; ++c) acc[c] = fmaf(wh[b], pix(j.src, chw, j.src_h, j.src_w, c, r, hs + b), acc[c]);
        float* slot = ring + (r % ring_rows) * (3 * kCols);
        for (int c = 0; c < 3; ++c) slot[c * kCols + tx] = acc[c];
      }
      have_hi = max(have_hi, hi);
    }
    __syncthreads();
    const int y = yb + ty;
    if (y < s.y1 && x < j.w) vertical_step(out, L, j, t, e, ring, ring_rows, tx, y, x, col_ok);
    __syncthreads();  // the next step overwrites ring rows this step read
  }
}

class CudaSeparableRing final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    const StripPlan sp = plan_strips(d_);
    ring_rows_ = sp.ring_rows;
    // Rows of the previous step that the next one still needs stay put: the ring must hold the union of two
    // consecutive steps' spans' overlap plus the new rows, which the widest single span bounds.
    smem_ = size_t(ring_rows_) * 3 * kCols * sizeof(float);
    allow_dynamic_smem(separable_ring_kernel<float>, separable_ring_kernel<__nv_bfloat16>, smem_, "cuda_separable_ring");
    n_strips_ = int(sp.strips.size());
    strips_ = upload(ws, sp.strips, "strip table");
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs& in, const Output& out, void* stream) {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      separable_ring_kernel<<<n_strips_, kThreads, smem_, static_cast<cudaStream_t>(stream)>>>(
          d_.jobs, strips_, d_.tables, d_.epi, d_.layout, in.layout == Layout::CHW, ring_rows_, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  VariantInfo info_ = cuda_info("cuda_separable_ring",
                                "one launch; each block streams a 32-column strip down the image through a shared-"
                                "memory ring of horizontally resampled rows (each source row once per strip); tables "
                                "from setup");
  DevPlan d_;
  Strip* strips_ = nullptr;
  int n_strips_ = 0, ring_rows_ = 1;
  size_t smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_ring() { return std::make_unique<CudaSeparableRing>(); }

}  // namespace pb
