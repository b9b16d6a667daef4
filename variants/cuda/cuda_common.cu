#include <map>

#include "core/resample.hpp"
#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda {

VariantInfo cuda_info(const char* name, const char* description) {
  VariantInfo i;
  i.name = name;
  i.backend = Backend::Cuda;
  i.description = description;
  i.dtypes = {DType::F32, DType::BF16};
  return i;
}

DevPlan upload_plan(const Plan& plan, const Inputs& in, Workspace& ws) {
  DevPlan d;
  std::vector<int> start, count, wofs;
  std::vector<float> w;
  std::map<std::pair<int, int>, std::pair<int, int>> seen;  // (in, out) -> (first entry, kmax)
  auto add_table = [&](int n_in, int n_out) {
    auto key = std::make_pair(n_in, n_out);
    auto it = seen.find(key);
    if (it != seen.end()) return it->second;
    const WeightTable t = make_table(n_in, n_out, plan.filter, plan.antialias);
    const int first = int(start.size());
    for (int i = 0; i < n_out; ++i) {
      start.push_back(t.start[i]);
      count.push_back(t.count[i]);
      wofs.push_back(int(w.size()));
      for (int k = 0; k < t.count[i]; ++k) w.push_back(float(t.row(i)[k]));
    }
    return seen[key] = {first, t.max_count()};
  };
  for (const Job& j : plan.jobs) {
    DevJob dj;
    dj.src = in.images[size_t(j.src)].data;
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
    const auto h = add_table(j.src_w, j.rw), v = add_table(j.src_h, j.rh);
    dj.h_entry = h.first;
    dj.h_kmax = h.second;
    dj.v_entry = v.first;
    dj.v_kmax = v.second;
    d.max_h_kmax = std::max(d.max_h_kmax, dj.h_kmax);
    d.max_v_kmax = std::max(d.max_v_kmax, dj.v_kmax);
    d.host_jobs.push_back(dj);
  }
  d.jobs = upload(ws, d.host_jobs, "job table");
  d.tables.start = upload(ws, start, "table starts");
  d.tables.count = upload(ws, count, "table counts");
  d.tables.wofs = upload(ws, wofs, "table offsets");
  d.tables.w = upload(ws, w, "weights");
  d.host_start = std::move(start);
  d.host_count = std::move(count);
  d.epi = plan.epilogue;
  d.layout.kind = plan.layout;
  d.layout.grid = plan.qwen;
  return d;
}

Span source_span(const DevPlan& d, int entry0, int a, int b) {
  Span s;
  if (a >= b) return s;
  s.lo = d.host_start[size_t(entry0 + a)];
  int hi = s.lo;
  for (int i = a; i < b; ++i) hi = std::max(hi, d.host_start[size_t(entry0 + i)] + d.host_count[size_t(entry0 + i)]);
  s.n = hi - s.lo;
  return s;
}

WindowSpan window_span(const DevPlan& d, const DevJob& j) {
  WindowSpan s;
  s.ya = std::max(j.y0, 0);
  s.yb = std::min(j.y0 + j.h, j.rh);
  s.xa = std::max(j.x0, 0);
  s.xb = std::min(j.x0 + j.w, j.rw);
  const Span rows = source_span(d, j.v_entry, s.ya, s.yb);
  s.r0 = rows.lo;
  s.r1 = rows.lo + rows.n;
  return s;
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
