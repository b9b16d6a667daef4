// The CUDA baseline: one kernel per stage with full-size intermediates in device memory, launched per image:
// horizontal pass, vertical pass, (hf) round+clamp to uint8, crop, rescale, normalize, (Qwen) patchify.
#include "profiling/nvtx.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

__global__ void quantize_kernel(const float* __restrict__ in, uint8_t* __restrict__ q, long long n) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) q[i] = uint8_t(quantize_u8(in[i]));
}

// Window of (3, rh, rw) -> (3, h, w), zero where the window leaves the image (uint8 zero padding).
template <typename T>
__global__ void crop_kernel(DevJob j, const T* __restrict__ in, T* __restrict__ out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= j.w || y >= j.h) return;
  const int ry = j.y0 + y, rx = j.x0 + x;
  const bool inside = ry >= 0 && ry < j.rh && rx >= 0 && rx < j.rw;
  for (int c = 0; c < 3; ++c)
    out[(size_t(c) * j.h + y) * j.w + x] = inside ? in[(size_t(c) * j.rh + ry) * j.rw + rx] : T(0);
}

template <typename T>
__global__ void rescale_kernel(const T* __restrict__ in, float* __restrict__ out, long long n) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i < n) out[i] = float(in[i]) * (1.0f / 255.0f);
}

// Outside the image the job's pad is written (normalized zero, or 0.0 for a batch-padding slot).
template <typename T>
__global__ void normalize_kernel(DevJob j, Epilogue e, const float* __restrict__ in, T* __restrict__ out,
                                 long long plane) {
  const long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x;
  if (i >= 3 * plane) return;
  const int c = int(i / plane), y = int((i % plane) / j.w), x = int(i % j.w);
  const int ry = j.y0 + y, rx = j.x0 + x;
  const bool inside = ry >= 0 && ry < j.rh && rx >= 0 && rx < j.rw;
  put(out, i, inside ? (in[i] - e.mean_f[c]) / e.std_f[c] : j.pad[c]);
}

template <typename T>
__global__ void patchify_kernel(DevJob j, DevLayout L, const float* __restrict__ in, T* __restrict__ out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= j.w || y >= j.h) return;
  for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, in[(size_t(c) * j.h + y) * j.w + x]);
}

class CudaNaivePerStage final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    bufs_.clear();
    for (const DevJob& j : d_.host_jobs) {
      Bufs b;
      const size_t full = size_t(3) * j.rh * j.rw, win = size_t(3) * j.h * j.w;
      b.hpass = ws.allocate_array<float>(size_t(3) * j.src_h * j.rw, "horizontal pass");
      b.resized = ws.allocate_array<float>(full, "resized");
      if (d_.epi.mode == Mode::Hf) {
        b.q = ws.allocate_array<uint8_t>(full, "uint8 resized");
        b.qcrop = ws.allocate_array<uint8_t>(win, "uint8 crop");
      } else {
        b.crop = ws.allocate_array<float>(win, "crop");
      }
      b.rescaled = ws.allocate_array<float>(win, "rescaled");
      if (d_.layout.kind != DstLayout::NCHW) b.normalized = ws.allocate_array<float>(win, "normalized");
      bufs_.push_back(b);
    }
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan& plan, const Inputs& in, const Output& out, void* stream) {
    const cudaStream_t s = static_cast<cudaStream_t>(stream);
    const bool chw = in.layout == Layout::CHW;
    with_dtype(out.dtype, out.data, [&](auto* o) {
      for (size_t i = 0; i < plan.jobs.size(); ++i) {
        const DevJob& j = d_.host_jobs[i];
        const Bufs& b = bufs_[i];
        const long long full = 3LL * j.rh * j.rw, win = 3LL * j.h * j.w;
        const dim3 tile(64, 4), wgrid(ceil_div(j.w, 64), ceil_div(j.h, 4));
        {
          NvtxRange r("stage: horizontal pass");
          launch_hpass_full(d_, int(i), chw, b.hpass, s);
        }
        {
          NvtxRange r("stage: vertical pass");
          launch_vpass_full(d_, int(i), b.hpass, b.resized, false, s);
        }
        NvtxRange r("stage: round, crop, rescale, normalize, layout (patchify or channels last)");
        if (d_.epi.mode == Mode::Hf) {
          quantize_kernel<<<ceil_div(full, 256), 256, 0, s>>>(b.resized, b.q, full);
          PB_CUDA_CHECK_LAUNCH();
          crop_kernel<<<wgrid, tile, 0, s>>>(j, b.q, b.qcrop);
          PB_CUDA_CHECK_LAUNCH();
          rescale_kernel<<<ceil_div(win, 256), 256, 0, s>>>(b.qcrop, b.rescaled, win);
        } else {
          crop_kernel<<<wgrid, tile, 0, s>>>(j, b.resized, b.crop);
          PB_CUDA_CHECK_LAUNCH();
          rescale_kernel<<<ceil_div(win, 256), 256, 0, s>>>(b.crop, b.rescaled, win);
        }
        PB_CUDA_CHECK_LAUNCH();
        if (d_.layout.kind == DstLayout::NCHW) {
          normalize_kernel<<<ceil_div(win, 256), 256, 0, s>>>(j, d_.epi, b.rescaled, o + j.dst, win / 3);
          PB_CUDA_CHECK_LAUNCH();
        } else {
          normalize_kernel<<<ceil_div(win, 256), 256, 0, s>>>(j, d_.epi, b.rescaled, b.normalized, win / 3);
          PB_CUDA_CHECK_LAUNCH();
          patchify_kernel<<<wgrid, tile, 0, s>>>(j, d_.layout, b.normalized, o);
          PB_CUDA_CHECK_LAUNCH();
        }
      }
    });
  }

 private:
  struct Bufs {
    float* hpass = nullptr;
    float* resized = nullptr;
    uint8_t* q = nullptr;
    uint8_t* qcrop = nullptr;
    float* crop = nullptr;
    float* rescaled = nullptr;
    float* normalized = nullptr;
  };
  VariantInfo info_ = cuda_info("cuda_naive_per_stage",
                                "per image, one kernel per stage over full-size device intermediates (H, V, round, "
                                "crop, rescale, normalize, patchify); weight tables from setup");
  DevPlan d_;
  std::vector<Bufs> bufs_;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_naive_per_stage() { return std::make_unique<CudaNaivePerStage>(); }

}  // namespace pb
