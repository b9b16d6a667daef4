#include <algorithm>
#include <memory>
#include <vector>

#include "core/pipeline.hpp"
#include "harness/cli_args.hpp"
#include "harness/e2e.hpp"
#include "harness/parity.hpp"
#include "harness/results.hpp"
#include "harness/stats.hpp"
#include "variants/cuda/cuda_check.cuh"

namespace pb {
namespace {

struct PinnedBuffer {
  uint8_t* p = nullptr;
  explicit PinnedBuffer(size_t bytes) {
    PB_CUDA_CHECK(cudaHostAlloc(reinterpret_cast<void**>(&p), bytes, cudaHostAllocDefault));
  }
  ~PinnedBuffer() { cudaFreeHost(p); }
};

struct Streams {
  cudaStream_t compute = nullptr, copy = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  std::vector<cudaEvent_t> copied;
  explicit Streams(int groups) : copied(size_t(groups)) {
    PB_CUDA_CHECK(cudaStreamCreateWithFlags(&compute, cudaStreamNonBlocking));
    PB_CUDA_CHECK(cudaStreamCreateWithFlags(&copy, cudaStreamNonBlocking));
    PB_CUDA_CHECK(cudaEventCreate(&start));
    PB_CUDA_CHECK(cudaEventCreate(&stop));
    for (auto& e : copied) PB_CUDA_CHECK(cudaEventCreateWithFlags(&e, cudaEventDisableTiming));
  }
  ~Streams() {
    for (auto& e : copied) cudaEventDestroy(e);
    cudaEventDestroy(start);
    cudaEventDestroy(stop);
    cudaStreamDestroy(copy);
    cudaStreamDestroy(compute);
  }
};

}  // namespace

std::vector<Record> run_e2e(const Case& c, const E2EOptions& o, WorkloadCache& cache, ExecBackend& be) {
  const PipelineSpec& spec = find_pipeline(c.pipeline);
  std::unique_ptr<Variant> whole = make_variant(c.variant);
  std::string why;
  if (whole->info().backend != Backend::Cuda) throw UsageError("e2e: " + c.variant + " is not a CUDA variant");
  if (c.out != OutLayout::Native || c.launch != LaunchMode::Stream)
    throw UsageError("e2e measures stream launches of the pipeline's own output layout (no nhwc, no graph)");
  if (!whole->info().supports(c.pipeline, c.layout, c.dtype, c.mode, why)) throw UsageError("e2e: " + why);

  // Images (the parity set, so that the reference applies), their plan, and the groups' plans.
  const std::vector<Image>& images = cache.parity(c.workload, c.layout);
  std::vector<ImageShape> shapes;
  std::vector<size_t> in_off{0};
  for (const Image& im : images) {
    shapes.push_back(im.shape());
    in_off.push_back(in_off.back() + im.pixels.size());
  }
  const Plan full = make_plan(spec, shapes, c.mode);
  const std::vector<float>& ref = cache.reference(c.workload, full);
  const int n = int(images.size());
  const GroupSplit split = split_groups(spec, shapes, c.mode, o.groups, full);
  const int groups = split.groups();
  std::vector<int> first(split.first.begin(), split.first.end());
  const std::vector<Plan>& plans = split.plans;
  const std::vector<long long>& out_off = split.out_off;

  // Memory: pinned host copy of the batch, one device input buffer (images at fixed offsets), one output.
  const size_t in_bytes = in_off.back(), dsize = dtype_size(c.dtype), out_bytes = size_t(full.out_elems) * dsize;
  PinnedBuffer host(in_bytes);
  for (int i = 0; i < n; ++i)
    std::copy(images[size_t(i)].pixels.begin(), images[size_t(i)].pixels.end(), host.p + in_off[size_t(i)]);
  const DeviceBatch batch = upload_batch(be, images, c.layout);  // the harness's layout: images back to back
  Allocator& alloc = be.allocator();
  std::shared_ptr<void> dout(alloc.allocate(out_bytes), [&alloc](void* p) { alloc.release(p); });
  uint8_t* dev_in = const_cast<uint8_t*>(batch.inputs.images.front().data);
  auto inputs = [&](int a, int b) {
    Inputs in;
    in.layout = c.layout;
    in.images.assign(batch.inputs.images.begin() + a, batch.inputs.images.begin() + b);
    return in;
  };
  const Inputs& in_all = batch.inputs;
  const Output out_all{dout.get(), c.dtype};
  Workspace ws(alloc);
  const Launch run_whole = whole->setup(full, in_all, out_all, ws);
  std::vector<std::unique_ptr<Variant>> parts;
  std::vector<Launch> run_part;
  for (int g = 0; g < groups; ++g) {
    parts.push_back(make_variant(c.variant));
    const Output part_out{static_cast<uint8_t*>(dout.get()) + size_t(out_off[size_t(g)]) * dsize, c.dtype};
    run_part.push_back(parts.back()->setup(plans[size_t(g)], inputs(first[size_t(g)], first[size_t(g) + 1]), part_out, ws));
  }

  Streams st(groups);
  auto copy_all = [&](cudaStream_t s) {
    PB_CUDA_CHECK(cudaMemcpyAsync(dev_in, host.p, in_bytes, cudaMemcpyHostToDevice, s));
  };
  auto overlapped = [&] {
    PB_CUDA_CHECK(cudaStreamWaitEvent(st.copy, st.start, 0));
    for (int g = 0; g < groups; ++g) {
      const size_t a = in_off[size_t(first[size_t(g)])], b = in_off[size_t(first[size_t(g) + 1])];
      PB_CUDA_CHECK(cudaMemcpyAsync(dev_in + a, host.p + a, b - a, cudaMemcpyHostToDevice, st.copy));
      PB_CUDA_CHECK(cudaEventRecord(st.copied[size_t(g)], st.copy));
      PB_CUDA_CHECK(cudaStreamWaitEvent(st.compute, st.copied[size_t(g)], 0));
      run_part[size_t(g)](st.compute);
    }
  };
  auto timed = [&](auto&& body) {
    be.before_rep(true);
    PB_CUDA_CHECK(cudaEventRecord(st.start, st.compute));
    body();
    PB_CUDA_CHECK(cudaEventRecord(st.stop, st.compute));
    PB_CUDA_CHECK(cudaEventSynchronize(st.stop));
    float ms = 0;
    PB_CUDA_CHECK(cudaEventElapsedTime(&ms, st.start, st.stop));
    return double(ms);
  };

  // Parity of the overlapped schedule on poisoned output.
  PB_CUDA_CHECK(cudaMemset(dout.get(), 0xFF, out_bytes));
  timed(overlapped);
  std::vector<uint8_t> back(out_bytes);
  PB_CUDA_CHECK(cudaMemcpy(back.data(), dout.get(), out_bytes, cudaMemcpyDeviceToHost));
  const ParityResult par =
      check_parity(ref, widen_output(back.data(), size_t(full.out_elems), c.dtype), spec, c.mode, c.dtype);

  std::vector<double> t_h2d, t_kernel, t_serial, t_overlap;
  for (int r = 0; r < o.reps + 2; ++r) {  // two warm-up rounds
    const double h = timed([&] { copy_all(st.compute); });
    const double k = timed([&] { run_whole(st.compute); });
    const double s = timed([&] {
      copy_all(st.compute);
      run_whole(st.compute);
    });
    const double v = timed(overlapped);
    if (r < 2) continue;
    t_h2d.push_back(h);
    t_kernel.push_back(k);
    t_serial.push_back(s);
    t_overlap.push_back(v);
  }
  const double h2d = summarize(t_h2d).median, ovl = summarize(t_overlap).median;
  std::vector<Record> recs;
  const struct {
    const char* measure;
    const std::vector<double>* samples;
    size_t bytes;
  } strategies[] = {{"e2e_h2d", &t_h2d, in_bytes},
                    {"e2e_kernel", &t_kernel, in_bytes + out_bytes},
                    {"e2e_serial", &t_serial, in_bytes + out_bytes},
                    {"e2e_overlap", &t_overlap, in_bytes + out_bytes}};
  for (const auto& s : strategies) {
    Record r = case_record(c);
    r.samples_ms = *s.samples;
    r.bytes_moved = (long long)s.bytes;
    r.output_bytes = (long long)out_bytes;
    r.peak_workspace_bytes = (long long)ws.peak_bytes();
    r.repro = "prepbench e2e " + c.selection_args() + " --groups " + std::to_string(groups) + " --reps " +
              std::to_string(o.reps);
    r.extra = {{"measure", s.measure}, {"groups", groups},      {"input_bytes", in_bytes},
               {"cold_l2", true},      {"launch", "stream"},    {"out_layout", dst_layout_name(full.layout)},
               {"h2d_gbps", double(in_bytes) / (h2d * 1e-3) / 1e9}, {"overlap_over_h2d", ovl / h2d}};
    if (std::string(s.measure) == "e2e_overlap") {
      r.parity = par;
      r.has_parity = true;
      if (!par.ok) {
        r.status = "failed";
        r.reason = "parity: " + par.reason;
      }
    }
    recs.push_back(r);
  }
  return recs;
}

}  // namespace pb
