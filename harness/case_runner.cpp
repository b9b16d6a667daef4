#include "harness/case_runner.hpp"

#include "core/parallel.hpp"
#include "core/reference.hpp"
#include "harness/roofline.hpp"
#include "profiling/cupti_kernels.hpp"
#include "profiling/nvtx.hpp"

namespace pb {

const std::vector<Image>& WorkloadCache::timed(const std::string& workload, Layout l) {
  const std::string key = "timed|" + workload + "|" + layout_name(l);
  auto it = images_.find(key);
  if (it == images_.end()) it = images_.emplace(key, generate_workload(parse_workload(workload), l)).first;
  return it->second;
}

const std::vector<Image>& WorkloadCache::parity(const std::string& workload, Layout l) {
  const std::string key = "parity|" + workload + "|" + layout_name(l);
  auto it = images_.find(key);
  if (it == images_.end()) {
    // Same shapes as the timed images (so the plan is the same), fresh content every run.
    const auto shapes = workload_shapes(parse_workload(workload));
    std::vector<Image> imgs;
    for (size_t i = 0; i < shapes.size(); ++i) imgs.push_back(generate_image(shapes[i].h, shapes[i].w, parity_seed_, int(i), l));
    it = images_.emplace(key, std::move(imgs)).first;
  }
  return it->second;
}

const std::vector<float>& WorkloadCache::reference(const std::string& workload, const Plan& plan) {
  const std::string key = workload + "|" + plan.pipeline + "|" + mode_name(plan.mode) + "|" + dst_layout_name(plan.layout);
  auto it = refs_.find(key);
  if (it == refs_.end()) {
    std::vector<ImageView> views;
    for (const auto& im : parity(workload, Layout::HWC)) views.push_back(im.view());
    it = refs_.emplace(key, run_reference(plan, views)).first;
  }
  return it->second;
}

void WorkloadCache::keep_only(const std::string& workload) {
  for (auto it = images_.begin(); it != images_.end();)
    it = it->first.find("|" + workload + "|") == std::string::npos ? images_.erase(it) : std::next(it);
  for (auto it = refs_.begin(); it != refs_.end();)
    it = it->first.rfind(workload + "|", 0) != 0 ? refs_.erase(it) : std::next(it);
}

std::string repro_command(const Case& c, const std::string& suffix) {
  return "prepbench run --variants " + c.variant + " --pipelines " + c.pipeline + " --workloads " + c.workload +
         " --layouts " + layout_name(c.layout) + " --dtypes " + dtype_name(c.dtype) + " --modes " + mode_name(c.mode) +
         (c.channels_last ? " --out-layouts nhwc" : "") + suffix;
}

CaseRunner::CaseRunner(ExecBackend& cpu, ExecBackend* cuda, std::string cuda_why, RunOptions opt)
    : cpu_(cpu), cuda_(cuda), cuda_why_(std::move(cuda_why)), opt_(opt), cache_(opt.parity_seed) {}

int CaseRunner::reps_for(const Case& c) const {
  return find_variant(c.variant).backend == Backend::Cuda ? opt_.gpu_reps : opt_.cpu_reps;
}

DeviceBatch upload_batch(ExecBackend& be, const std::vector<Image>& images, Layout layout) {
  size_t bytes = 0;
  for (const auto& im : images) bytes += im.pixels.size();
  Allocator& alloc = be.allocator();
  DeviceBatch b;
  b.mem = std::shared_ptr<void>(alloc.allocate(bytes), [&alloc](void* p) { alloc.release(p); });
  b.inputs.layout = layout;
  size_t off = 0;
  for (const auto& im : images) {
    b.inputs.images.push_back({static_cast<uint8_t*>(b.mem.get()) + off, im.h, im.w, layout});
    off += im.pixels.size();
  }
  overwrite_batch(be, b, images);
  return b;
}

void overwrite_batch(ExecBackend& be, const DeviceBatch& batch, const std::vector<Image>& images) {
  for (size_t i = 0; i < images.size(); ++i)
    be.to_device(const_cast<uint8_t*>(batch.inputs.images[i].data), images[i].pixels.data(), images[i].pixels.size());
}

std::vector<float> execute_once(ExecBackend& be, Variant& v, const Plan& plan, const std::vector<Image>& images,
                                Layout layout, DType dtype) {
  const DeviceBatch batch = upload_batch(be, images, layout);
  const size_t out_bytes = size_t(plan.out_elems) * dtype_size(dtype);
  Allocator& alloc = be.allocator();
  std::shared_ptr<void> out_mem(alloc.allocate(out_bytes), [&alloc](void* p) { alloc.release(p); });
  Output out{out_mem.get(), dtype};
  Workspace ws(alloc);
  v.setup(plan, batch.inputs, dtype, ws);
  be.poison(out.data, out_bytes);
  be.run_untimed([&](void* s) { v.run(plan, batch.inputs, out, s); });
  std::vector<uint8_t> host(out_bytes);
  be.to_host(host.data(), out.data, out_bytes);
  return widen_output(host.data(), size_t(plan.out_elems), dtype);
}

bool CaseRunner::prepare(const Case& c, Record& rec) {
  const VariantEntry& entry = find_variant(c.variant);
  rec.backend = backend_name(entry.backend);
  be_ = entry.backend == Backend::Cuda ? cuda_ : &cpu_;
  if (!entry.built() || !be_) {
    rec.status = "skipped";
    rec.reason = entry.built() ? cuda_why_ : kNoCudaBuild;
    be_ = nullptr;
    return false;
  }
  variant_ = entry.make();
  const VariantInfo& info = variant_->info();
  std::string why;
  if (!info.supports(c.pipeline, c.layout, c.dtype, c.mode, why)) {
    rec.status = "unsupported";
    rec.reason = why;
    return false;
  }
  const PipelineSpec& spec = find_pipeline(c.pipeline);
  try {
    plan_ = make_plan(spec, workload_shapes(parse_workload(c.workload)), c.mode);
  } catch (const GeometryError& e) {
    rec.status = "unsupported";
    rec.reason = std::string("pipeline rejects this workload: ") + e.what();
    return false;
  }
  if (c.channels_last) {
    try {
      to_channels_last(plan_);
    } catch (const std::invalid_argument& e) {
      rec.status = "unsupported";
      rec.reason = e.what();
      return false;
    }
  }
  rec.extra["out_layout"] = dst_layout_name(plan_.layout);
  const size_t out_bytes = size_t(plan_.out_elems) * dtype_size(c.dtype);
  rec.output_bytes = (long long)out_bytes;
  rec.bytes_moved = plan_.input_bytes() + (long long)out_bytes;
  rec.extra["cold_l2"] = info.backend == Backend::Cuda && !opt_.warm_l2;
  if (info.backend == Backend::Cpu) rec.extra["threads"] = thread_count();
  rec.extra["parity_seed"] = opt_.parity_seed;
  if (opt_.inject_delay_us > 0) rec.extra["inject_delay_us"] = opt_.inject_delay_us;
  rec.extra["roofline"] = {{"flops_separable", separable_flops(plan_)},
                           {"flops_per_byte", separable_flops(plan_) / double(rec.bytes_moved)}};

  const std::vector<Image>& timed = cache_.timed(c.workload, c.layout);
  const std::vector<Image>& fresh = cache_.parity(c.workload, c.layout);
  const std::vector<float>& ref = cache_.reference(c.workload, plan_);

  // Inputs live in one buffer with fixed image offsets, so a variant may keep pointers from setup; the parity run
  // overwrites the same buffer with the fresh images.
  Allocator& alloc = be_->allocator();
  batch_ = upload_batch(*be_, timed, c.layout);
  output_mem_ = std::shared_ptr<void>(alloc.allocate(out_bytes), [&alloc](void* p) { alloc.release(p); });
  output_ = {output_mem_.get(), c.dtype};
  const Inputs& inputs_ = batch_.inputs;

  const size_t used_before = be_->used_device_bytes();
  ws_ = std::make_unique<Workspace>(alloc);
  variant_->setup(plan_, inputs_, c.dtype, *ws_);
  if (info.backend == Backend::Cuda) {
    const long long delta = (long long)be_->used_device_bytes() - (long long)used_before;
    const long long live = (long long)ws_->live_bytes();
    // cudaMalloc rounds every allocation up (to 2 MiB pages for large ones), so the device may hold up to 2 MiB
    // more per allocation than the workspace asked for; never less.
    const long long slack = (2LL << 20) * (long long)(ws_->allocations() + 1);
    rec.extra["memory_check"] = {{"workspace_live_after_setup", live},
                                 {"cudaMemGetInfo_delta", delta},
                                 {"allocations", ws_->allocations()},
                                 {"agree", delta >= live - (1LL << 20) && delta - live <= slack}};
  }

  launch_ = [this](void* s) { variant_->run(plan_, batch_.inputs, output_, s); };
  if (info.backend == Backend::Cuda) {
    rec.extra["launch"] = opt_.cuda_graph ? "cuda_graph" : "stream";
    if (opt_.cuda_graph) launch_ = be_->capture(launch_);  // the parity run below checks the graph itself
  }

  overwrite_batch(*be_, batch_, fresh);
  be_->poison(output_.data, out_bytes);
  be_->run_untimed(launch_);
  std::vector<uint8_t> host(out_bytes);
  be_->to_host(host.data(), output_.data, out_bytes);
  rec.parity = check_parity(ref, widen_output(host.data(), size_t(plan_.out_elems), c.dtype), spec, c.mode, c.dtype);
  rec.has_parity = true;
  overwrite_batch(*be_, batch_, timed);
  if (!rec.parity.ok) {
    rec.status = "failed";
    rec.reason = "parity: " + rec.parity.reason;
    return false;
  }
  for (int i = 0; i < opt_.warmup; ++i) be_->run_untimed(launch_);
  return true;
}

double CaseRunner::timed_rep() {
  be_->before_rep(!opt_.warm_l2);
  NvtxRange range("rep");
  return be_->time_ms([&](void* s) {
    launch_(s);
    if (opt_.inject_delay_us > 0) be_->busy_wait(opt_.inject_delay_us, s);
  });
}

void CaseRunner::profile_rep(Record& rec) {
  if (!be_ || be_->kind() != Backend::Cuda || !opt_.trace_kernels) return;
  double event_ms = 0;
  NvtxRange range("profiled rep");
  const auto kernels = trace_kernels([&] {  // called twice; the second call's kernels and event time are kept
    be_->before_rep(!opt_.warm_l2);
    event_ms = be_->time_ms([&](void* s) {
      launch_(s);
      if (opt_.inject_delay_us > 0) be_->busy_wait(opt_.inject_delay_us, s);
    });
  });
  last_kernel_table_ = kernel_table(kernels);
  nlohmann::json k = kernels_json(kernels);
  rec.extra["kernels"] = k["kernels"];  // DESIGN: the record's per-kernel list
  k.erase("kernels");
  k["event_ms"] = event_ms;  // the same repetition by CUDA events: kernels + the gaps between them
  k["launch_gap_ms"] = event_ms - k["kernels_sum_ms"].get<double>();
  rec.extra["profile"] = k;
}

void CaseRunner::finish(Record& rec) {
  if (ws_) rec.peak_workspace_bytes = (long long)ws_->peak_bytes();
  if (!rec.samples_ms.empty() && rec.extra.contains("roofline")) {
    const double ms = summarize(rec.samples_ms).median, gbps = double(rec.bytes_moved) / (ms * 1e-3) / 1e9;
    auto& r = rec.extra["roofline"];
    r["gflops"] = r["flops_separable"].get<double>() / (ms * 1e-3) / 1e9;
    if (be_ && be_->kind() == Backend::Cuda && opt_.copy_ceiling_gbps > 0) {
      r["fraction_of_copy_ceiling"] = gbps / opt_.copy_ceiling_gbps;
      r["roofline_ms"] = double(rec.bytes_moved) / (opt_.copy_ceiling_gbps * 1e9) * 1e3;
    }
  }
  launch_ = nullptr;  // a graph goes before the memory it points into
  ws_.reset();
  batch_ = DeviceBatch{};
  output_mem_.reset();
  variant_.reset();
  be_ = nullptr;
}

}  // namespace pb
