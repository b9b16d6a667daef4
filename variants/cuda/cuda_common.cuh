#pragma once
// Shared by the CUDA variants: the device copy of the plan (job table + weight tables), pixel fetch for both input
// layouts, the epilogue and the output stores. The variants differ only in how they schedule the work.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/layout.hpp"
#include "core/plan.hpp"
#include "variants/cuda/cuda_check.cuh"
#include "variants/variant.hpp"

namespace pb::cuda {

// The plan's weight tables, concatenated: entry e (one per resized coordinate) reads `count[e]` inputs from
// `start[e]` with weights w[wofs[e] ...]. core/'s float64 tables, cast to float.
struct DevTables {
  const int* start = nullptr;
  const int* count = nullptr;
  const int* wofs = nullptr;
  const float* w = nullptr;
};

struct DevJob {
  const uint8_t* src = nullptr;
  int src_h = 0, src_w = 0;
  int rh = 0, rw = 0, y0 = 0, x0 = 0, h = 0, w = 0;
  long long dst = 0;
  int h_entry = 0, v_entry = 0;  // first table entry of this job's horizontal / vertical table
  float pad[3] = {0, 0, 0};      // the job's padding value (already normalized)
};

struct DevLayout {
  DstLayout kind = DstLayout::NCHW;
  QwenGrid grid;
};

// Host side: builds the job and table arrays and copies them into workspace memory (setup, off the clock).
struct DevPlan {
  DevJob* jobs = nullptr;
  DevTables tables;
  Epilogue epi;  // the plan's, by value into the kernels
  DevLayout layout;
  std::vector<DevJob> host_jobs;  // same content, for launch decisions on the host
  const Plan* plan = nullptr;     // host_jobs[i] is plan->jobs[i]: its tables and window span
  const Job& job(size_t i) const { return plan->jobs[i]; }
  // The source columns / rows that resized columns / rows [a, b) of job i read.
  Span source_cols(size_t i, int a, int b) const { return plan->htable(job(i)).span(a, b); }
  Span source_rows(size_t i, int a, int b) const { return plan->vtable(job(i)).span(a, b); }
};
DevPlan upload_plan(const Plan& plan, const Inputs& in, Workspace& ws);
// The host half of upload_plan (host_jobs, epilogue, layout; no device pointers, sources null without `in`):
// what the designs' setup decides from, for tests of those decisions on a machine without a GPU.
DevPlan host_dev_plan(const Plan& plan, const Inputs* in = nullptr);
// Points the job table at other images of the same shapes (Variant::rebind): host_jobs, and the device table by
// small kernels whose arguments carry the pointers, so the update is ordered on `s` and capturable into a graph
// (a copy from pageable host memory is neither).
void rebind_sources(DevPlan& d, const Inputs& in, cudaStream_t s);

// Base of the variants whose every image pointer lives in the device job table (DevPlan) and whose output is a
// kernel argument (the tensor-core designs): rebind re-targets both, with no new setup.
class JobTableVariant : public Variant {
 public:
  bool rebind(const Inputs& in, const Output& out, void* stream) override {
    rebind_sources(d_, in, static_cast<cudaStream_t>(stream));
    out_ = out;
    return true;
  }

 protected:
  DevPlan d_;
  Output out_;
};

template <typename T>
T* upload(Workspace& ws, const std::vector<T>& v, const char* what) {
  T* d = ws.allocate_array<T>(v.size(), what);
  PB_CUDA_CHECK(cudaMemcpy(d, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
  return d;
}

VariantInfo cuda_info(const char* name, const char* description);

__device__ __forceinline__ float pix(const uint8_t* src, bool chw, int h, int w, int c, int y, int x) {
  return chw ? float(src[(size_t(c) * h + y) * w + x]) : float(src[(size_t(y) * w + x) * 3 + c]);
}

__device__ __forceinline__ void put(float* out, long long i, float v) { out[i] = v; }
__device__ __forceinline__ void put(__nv_bfloat16* out, long long i, float v) { out[i] = __float2bfloat16_rn(v); }

// Window pixel (c, y, x) of job j to its place(s) in the output.
template <typename T>
__device__ __forceinline__ void store(T* out, const DevLayout& L, const DevJob& j, int c, int y, int x, float v) {
  for_each_dst(L.kind, L.grid, j, c, y, x, [&](long long i) { put(out, i, v); });
}

// The three channel values of window pixel (y, x) of job j into an NCHW output (plane = j.h * j.w, from the caller,
// outside its loops) or an NHWC one (Qwen's patches place each value apart: qwen_index).
template <DstLayout kLayout, typename T>
__device__ __forceinline__ void put_pixel(T* out, const DevJob& j, int y, int x, const float (&v)[3], long long plane) {
  static_assert(kLayout != DstLayout::QwenPatches, "a pixel's channels lie apart in Qwen's patches");
  if constexpr (kLayout == DstLayout::NCHW) {
    T* p = out + j.dst + (long long)y * j.w + x;
    for (int c = 0; c < 3; ++c) put(p, c * plane, v[c]);
  } else {
    T* p = out + nhwc_index(j, 0, y, x);
    for (int c = 0; c < 3; ++c) put(p, c, v[c]);
  }
}

// Writes the job's pad at window pixel (y, x) if it lies outside the resized image, and says whether it did.
template <typename T>
__device__ __forceinline__ bool store_pad_if_outside(T* out, const DevLayout& L, const DevJob& j, int y, int x) {
  const int ry = j.y0 + y, rx = j.x0 + x;
  if (ry >= 0 && ry < j.rh && rx >= 0 && rx < j.rw) return false;
  for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, j.pad[c]);
  return true;
}

// An attribute of the current device (`run --device K` selects it before any setup).
inline int device_attribute(cudaDeviceAttr attr) {
  int dev = 0, v = 0;
  PB_CUDA_CHECK(cudaGetDevice(&dev));
  PB_CUDA_CHECK(cudaDeviceGetAttribute(&v, attr, dev));
  return v;
}

// Lets both dtype instantiations of a kernel take `bytes` of dynamic shared memory (beyond the default 48 KiB),
// or throws std::invalid_argument (a plan this design cannot take: cuda_auto and the Python "auto" try the next
// design), naming `who`, when the device cannot give that much to one block. The limit belongs to the kernel, not
// to a variant instance, so it is only ever raised: an instance set up later with a smaller need must not break an
// earlier one (several instances live at once in `prepbench e2e`).
template <typename KernelF32, typename KernelBF16>
void allow_dynamic_smem(KernelF32 f32, KernelBF16 bf16, size_t bytes, const char* who) {
  const int max_smem = device_attribute(cudaDevAttrMaxSharedMemoryPerBlockOptin);
  if (bytes > size_t(max_smem))
    throw std::invalid_argument(std::string(who) + ": needs " + std::to_string(bytes) + " bytes of shared memory per "
                                "block, the device allows " + std::to_string(max_smem));
  auto raise = [bytes](auto kernel) {
    cudaFuncAttributes a{};
    PB_CUDA_CHECK(cudaFuncGetAttributes(&a, kernel));
    if (size_t(a.maxDynamicSharedSizeBytes) < bytes)
      PB_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, int(bytes)));
  };
  raise(f32);
  raise(bf16);
}

// How many blocks of `kernel` (block size `threads`, `smem` bytes of dynamic shared memory) the whole device holds
// at once: the size of a persistent grid. Set the kernel's shared-memory limit first.
template <typename Kernel>
int resident_blocks(Kernel kernel, int threads, size_t smem) {
  int per_sm = 0;
  const int sms = device_attribute(cudaDevAttrMultiProcessorCount);
  PB_CUDA_CHECK(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads, smem));
  if (per_sm < 1) throw std::runtime_error("persistent grid: not one block fits on an SM");
  return per_sm * sms;
}

// Dispatches a templated launch on the output dtype.
template <typename F>
void with_dtype(DType d, void* out, F&& f) {
  if (d == DType::F32) f(static_cast<float*>(out));
  else f(static_cast<__nv_bfloat16*>(out));
}

// Calls f with std::integral_constant<DstLayout, l>: one kernel instantiation per output layout, so that each
// kernel holds only its own epilogue. (In cuda_separable_mma, with all three epilogues in one kernel, the Qwen
// epilogue's register needs changed the chunk loop's code and slowed the downscales by up to 15 %.)
template <typename F>
void with_layout(DstLayout l, F&& f) {
  switch (l) {
    case DstLayout::NCHW: return f(std::integral_constant<DstLayout, DstLayout::NCHW>{});
    case DstLayout::QwenPatches: return f(std::integral_constant<DstLayout, DstLayout::QwenPatches>{});
    case DstLayout::NHWC: return f(std::integral_constant<DstLayout, DstLayout::NHWC>{});
  }
}

inline int ceil_div(long long a, long long b) { return int((a + b - 1) / b); }

// Appends the origins (job, y, x) of the th x tw tiles that cover an h x w region of job `job`: one block each.
inline void append_tiles(std::vector<int3>& tiles, int job, int h, int w, int th, int tw) {
  for (int y = 0; y < h; y += th)
    for (int x = 0; x < w; x += tw) tiles.push_back(make_int3(job, y, x));
}

// Full-image separable passes shared by the per-image variants (naive, pointwise): the horizontal pass over every
// source row into hbuf (3, src_h, rw), the vertical pass into (3, rh, rw), optionally with the epilogue fused.
void launch_hpass_full(const DevPlan& d, int job, bool chw, float* hbuf, cudaStream_t s);
void launch_vpass_full(const DevPlan& d, int job, const float* hbuf, float* resized, bool fuse_epilogue, cudaStream_t s);

// For each job, the first of `shapes` ({tile height, tile width}) whose tiles all cost at most `budget` bytes; its
// tiles (make(job, y, x, th, tw)) are appended to `out`. Returns the largest cost taken. The last shape is taken
// whatever it costs, unless even it exceeds the budget: then it throws, naming `who`.
template <typename Tile, typename Make, typename Cost>
int choose_tiles(const DevPlan& d, const std::vector<std::array<int, 2>>& shapes, int budget, const char* who,
                 Make make, Cost cost, std::vector<Tile>& out) {
  int worst_taken = 0;
  for (size_t i = 0; i < d.host_jobs.size(); ++i) {
    const DevJob& j = d.host_jobs[i];
    for (size_t k = 0; k < shapes.size(); ++k) {
      std::vector<Tile> mine;
      int worst = 0;
      for (int y = 0; y < j.h; y += shapes[k][0])
        for (int x = 0; x < j.w; x += shapes[k][1]) {
          mine.push_back(make(int(i), y, x, std::min(shapes[k][0], j.h - y), std::min(shapes[k][1], j.w - x)));
          worst = std::max(worst, cost(mine.back()));
        }
      if (worst <= budget || k + 1 == shapes.size()) {
        if (worst > budget)
          throw std::runtime_error(std::string(who) + ": the smallest tile needs " + std::to_string(worst) +
                                   " bytes of shared memory, more than " + std::to_string(budget));
        out.insert(out.end(), mine.begin(), mine.end());
        worst_taken = std::max(worst_taken, worst);
        break;
      }
    }
  }
  return worst_taken;
}

}  // namespace pb::cuda
