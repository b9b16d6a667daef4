#include <algorithm>

#include "core/resample.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb {

namespace {
struct DeviceAllocator final : Allocator {
  void* allocate(size_t bytes) override {
    void* p = nullptr;
    const cudaError_t e = cudaMalloc(&p, bytes);
    if (e != cudaSuccess) {
      (void)cudaGetLastError();  // clear the sticky-free allocation error
      throw OutOfMemory("out of memory (device, " + std::to_string(bytes) + " bytes): " + cudaGetErrorString(e));
    }
    return p;
  }
  void release(void* p) override { cudaFree(p); }
};
}  // namespace

Allocator& device_allocator() {
  static DeviceAllocator a;
  return a;
}

}  // namespace pb

namespace pb::cuda {

VariantInfo cuda_info(const char* name, const char* description) {
  VariantInfo i;
  i.name = name;
  i.backend = Backend::Cuda;
  i.description = description;
  i.dtypes = {DType::F32, DType::BF16};
  return i;
}

DevPlan host_dev_plan(const Plan& plan, const Inputs* in) {
  DevPlan d;
  d.plan = &plan;
  for (const Job& j : plan.jobs) {
    DevJob dj;
    dj.src = in ? in->images[size_t(j.src)].data : nullptr;
    dj.src_h = j.src_h;
    dj.src_w = j.src_w;
    dj.rh = j.rh;
    dj.rw = j.rw;
    dj.y0 = j.y0;
    dj.x0 = j.x0;
    dj.h = j.h;
    dj.w = j.w;
    dj.dst = j.dst;
    for (int c = 0; c < 3; ++c) dj.pad[c] = j.pad[c];
    d.host_jobs.push_back(dj);
  }
  d.epi = plan.epilogue;
  d.layout.kind = plan.layout;
  d.layout.grid = plan.qwen;
  return d;
}

DevPlan upload_plan(const Plan& plan, const Inputs& in, Workspace& ws) {
  DevPlan d = host_dev_plan(plan, &in);
  std::vector<int> start, count, wofs, first;  // first: each table's first entry
  std::vector<float> w;
  for (const WeightTable& t : plan.tables) {
    first.push_back(int(start.size()));
    for (int i = 0; i < t.out; ++i) {
      start.push_back(t.start[size_t(i)]);
      count.push_back(t.count[size_t(i)]);
      wofs.push_back(int(w.size()));
      for (int k = 0; k < t.count[size_t(i)]; ++k) w.push_back(float(t.row(i)[k]));
    }
  }
  for (size_t i = 0; i < plan.jobs.size(); ++i) {
    d.host_jobs[i].h_entry = first[size_t(plan.jobs[i].htab)];
    d.host_jobs[i].v_entry = first[size_t(plan.jobs[i].vtab)];
  }
  d.jobs = upload(ws, d.host_jobs, "job table");
  d.tables.start = upload(ws, start, "table starts");
  d.tables.count = upload(ws, count, "table counts");
  d.tables.wofs = upload(ws, wofs, "table offsets");
  d.tables.w = upload(ws, w, "weights");
  return d;
}

namespace {

// Pointers per launch: 3.5 KiB of kernel arguments, under the classic 4 KiB limit.
constexpr int kRebindChunk = 448;
struct SourceChunk {
  const uint8_t* src[kRebindChunk];
};

__global__ void set_sources_kernel(DevJob* jobs, int first, int n, SourceChunk c) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) jobs[first + i].src = c.src[i];
}

}  // namespace

void rebind_sources(DevPlan& d, const Inputs& in, cudaStream_t s) {
  const int n = int(d.host_jobs.size());
  for (int i = 0; i < n; ++i) d.host_jobs[size_t(i)].src = in.images[size_t(d.job(size_t(i)).src)].data;
  for (int first = 0; first < n; first += kRebindChunk) {
    SourceChunk c{};
    const int m = std::min(kRebindChunk, n - first);
    for (int i = 0; i < m; ++i) c.src[i] = d.host_jobs[size_t(first + i)].src;
    set_sources_kernel<<<ceil_div(m, 128), 128, 0, s>>>(d.jobs, first, m, c);
    PB_CUDA_CHECK_LAUNCH();
  }
}

namespace {

__global__ void hpass_full_kernel(DevJob j, DevTables t, bool chw, float* __restrict__ hbuf) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, r = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= j.rw || r >= j.src_h) return;
  const int e = j.h_entry + x, s = t.start[e], n = t.count[e];
  const float* w = t.w + t.wofs[e];
  for (int c = 0; c < 3; ++c) {
    float acc = 0.0f;
    for (int k = 0; k < n; ++k) acc = fmaf(w[k], pix(j.src, chw, j.src_h, j.src_w, c, r, s + k), acc);
    hbuf[(size_t(c) * j.src_h + r) * j.rw + x] = acc;
  }
}

__global__ void vpass_full_kernel(DevJob j, DevTables t, Epilogue epi, bool fuse, const float* __restrict__ hbuf,
                                  float* __restrict__ out) {
  const int x = blockIdx.x * blockDim.x + threadIdx.x, y = blockIdx.y * blockDim.y + threadIdx.y;
  if (x >= j.rw || y >= j.rh) return;
  const int e = j.v_entry + y, s = t.start[e], n = t.count[e];
  const float* w = t.w + t.wofs[e];
  for (int c = 0; c < 3; ++c) {
    float acc = 0.0f;
    for (int k = 0; k < n; ++k) acc = fmaf(w[k], hbuf[(size_t(c) * j.src_h + s + k) * j.rw + x], acc);
    out[(size_t(c) * j.rh + y) * j.rw + x] = fuse ? epilogue_value(epi, acc, c) : acc;
  }
}

}  // namespace

void launch_hpass_full(const DevPlan& d, int job, bool chw, float* hbuf, cudaStream_t s) {
  const DevJob& j = d.host_jobs[size_t(job)];
  const dim3 block(64, 4), grid(ceil_div(j.rw, 64), ceil_div(j.src_h, 4));
  hpass_full_kernel<<<grid, block, 0, s>>>(j, d.tables, chw, hbuf);
  PB_CUDA_CHECK_LAUNCH();
}

void launch_vpass_full(const DevPlan& d, int job, const float* hbuf, float* resized, bool fuse_epilogue, cudaStream_t s) {
  const DevJob& j = d.host_jobs[size_t(job)];
  const dim3 block(64, 4), grid(ceil_div(j.rw, 64), ceil_div(j.rh, 4));
  vpass_full_kernel<<<grid, block, 0, s>>>(j, d.tables, d.epi, fuse_epilogue, hbuf, resized);
  PB_CUDA_CHECK_LAUNCH();
}

}  // namespace pb::cuda
