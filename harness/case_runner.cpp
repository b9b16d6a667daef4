#include "harness/case_runner.hpp"

#include "core/parallel.hpp"
#include "core/reference.hpp"
#include "harness/measure.hpp"
#include "harness/parity.hpp"
#include "harness/roofline.hpp"
#include "harness/sweep.hpp"
#include "profiling/nvtx.hpp"

namespace pb {

const std::vector<Image>& WorkloadCache::timed(const WorkloadSpec& w, Layout l) {
  const std::string key = "timed|" + w.name + "|" + layout_name(l);
  auto it = images_.find(key);
  if (it == images_.end()) it = images_.emplace(key, generate_workload(w, l)).first;
  return it->second;
}

const std::vector<Image>& WorkloadCache::parity(const WorkloadSpec& w, Layout l) {
  const std::string key = "parity|" + w.name + "|" + layout_name(l);
  auto it = images_.find(key);
  if (it == images_.end() && w.kind == "files") {  // real photographs: checked on themselves
    it = images_.emplace(key, generate_workload(w, l)).first;
  } else if (it == images_.end()) {
    // Same shapes as the timed images (so the plan is the same), fresh content every run.
    const auto shapes = workload_shapes(w);
    std::vector<Image> imgs;
    for (size_t i = 0; i < shapes.size(); ++i) imgs.push_back(generate_image(shapes[i].h, shapes[i].w, parity_seed_, int(i), l));
    it = images_.emplace(key, std::move(imgs)).first;
  }
  return it->second;
}

const std::vector<float>& WorkloadCache::reference(const WorkloadSpec& w, const Plan& plan) {
  const std::string key = w.name + "|" + plan.pipeline + "|" + mode_name(plan.mode) + "|" + dst_layout_name(plan.layout);
  auto it = refs_.find(key);
  if (it == refs_.end()) {
    std::vector<ImageView> views;
    for (const auto& im : parity(w, Layout::HWC)) views.push_back(im.view());
    it = refs_.emplace(key, run_reference(plan, views)).first;
  }
  return it->second;
}

void WorkloadCache::keep_only(const WorkloadSpec& w) {
  for (auto it = images_.begin(); it != images_.end();)
    it = it->first.find("|" + w.name + "|") == std::string::npos ? images_.erase(it) : std::next(it);
  for (auto it = refs_.begin(); it != refs_.end();)
    it = it->first.rfind(w.name + "|", 0) != 0 ? refs_.erase(it) : std::next(it);
}

std::string RunOptions::repro_flags() const {
  return " --reps " + std::to_string(gpu_reps) + " --cpu-reps " + std::to_string(cpu_reps) +
         (warm_l2 ? " --warm-l2" : "");
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

std::shared_ptr<void> allocate_output(ExecBackend& be, const Plan& plan, DType dtype) {
  Allocator& alloc = be.allocator();
  return std::shared_ptr<void>(alloc.allocate(size_t(plan.out_elems) * dtype_size(dtype)),
                               [&alloc](void* p) { alloc.release(p); });
}

std::vector<float> execute_once(ExecBackend& be, Variant& v, const Plan& plan, const std::vector<Image>& images,
                                Layout layout, DType dtype) {
  const DeviceBatch batch = upload_batch(be, images, layout);
  const size_t out_bytes = size_t(plan.out_elems) * dtype_size(dtype);
  const std::shared_ptr<void> out_mem = allocate_output(be, plan, dtype);
  const Output out{out_mem.get(), dtype};
  Workspace ws(be.allocator());
  const Launch launch = v.setup(plan, batch.inputs, out, ws);
  be.poison(out.data, out_bytes);
  be.run_untimed(launch);
  std::vector<uint8_t> host(out_bytes);
  be.to_host(host.data(), out.data, out_bytes);
  return widen_output(host.data(), size_t(plan.out_elems), dtype);
}

Record case_record(const Case& c) {
  Record r;
  r.variant = c.variant;
  r.backend = backend_name(c.backend());
  r.pipeline = c.pipeline;
  r.workload = c.workload.name;
  r.layout = layout_name(c.layout);
  r.dtype = dtype_name(c.dtype);
  r.mode = mode_name(c.mode);
  return r;
}

Plan plan_case(const Case& c) {
  Plan plan = make_plan(find_pipeline(c.pipeline), workload_shapes(c.workload), c.mode);
  if (c.out == OutLayout::ChannelsLast) to_channels_last(plan);
  return plan;
}

CaseRunner::CaseRunner(ExecBackend& cpu, ExecBackend* cuda, std::string cuda_why, RunOptions opt)
    : cpu_(cpu), cuda_(cuda), cuda_why_(std::move(cuda_why)), opt_(opt), cache_(opt.parity_seed) {}

Record CaseRunner::run(const Case& c) {
  Record rec = case_record(c);
  rec.repro = "prepbench run " + c.selection_args() + opt_.repro_flags();
  phase_ = "planning";
  try {
    if (prepare(c, rec)) measure(c, rec);
  } catch (const std::bad_alloc&) {  // recorded with what ran out and what the case needed; the sweep goes on
    char b[256];
    std::snprintf(b, sizeof b, "out of host memory while %s (the batch is %.1f MiB of images and %.1f MiB of output)",
                  phase_, double(rec.bytes_moved - rec.output_bytes) / (1 << 20), double(rec.output_bytes) / (1 << 20));
    rec.status = "failed";
    rec.reason = b;
    rec.samples_ms.clear();
  } catch (const std::exception& e) {  // OutOfMemory (device) included: recorded, and the sweep goes on
    rec.status = "failed";
    rec.reason = std::string(e.what()) + " (while " + phase_ + ")";
    rec.samples_ms.clear();
  }
  finish(rec);
  return rec;
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
  try {
    plan_ = plan_case(c);
  } catch (const GeometryError& e) {
    rec.status = "unsupported";
    rec.reason = std::string("pipeline rejects this workload: ") + e.what();
    return false;
  } catch (const std::invalid_argument& e) {  // channels last of an output without a channel axis
    rec.status = "unsupported";
    rec.reason = e.what();
    return false;
  }
  const bool gpu = info.backend == Backend::Cuda;
  rec.extra["out_layout"] = dst_layout_name(plan_.layout);
  const size_t out_bytes = size_t(plan_.out_elems) * dtype_size(c.dtype);
  rec.output_bytes = (long long)out_bytes;
  rec.bytes_moved = plan_.input_bytes() + (long long)out_bytes;
  rec.extra["cold_l2"] = gpu && !opt_.warm_l2;
  if (!gpu) rec.extra["threads"] = thread_count();
  rec.extra["parity_seed"] = opt_.parity_seed;
  rec.extra["roofline"] = {{"flops_separable", separable_flops(plan_)},
                           {"flops_per_byte", separable_flops(plan_) / double(rec.bytes_moved)}};

  phase_ = "generating the images";
  const std::vector<Image>& timed = cache_.timed(c.workload, c.layout);
  const std::vector<Image>& fresh = cache_.parity(c.workload, c.layout);
  phase_ = "computing the float64 reference";
  const std::vector<float>& ref = cache_.reference(c.workload, plan_);
  phase_ = "setting the variant up";

  // Inputs live in one buffer with fixed image offsets, so the bound launch keeps its pointers; the parity run
  // overwrites the same buffer with the fresh images.
  batch_ = upload_batch(*be_, timed, c.layout);
  output_mem_ = allocate_output(*be_, plan_, c.dtype);
  const Output output{output_mem_.get(), c.dtype};
  const size_t used_before = be_->used_device_bytes();
  ws_ = std::make_unique<Workspace>(be_->allocator());
  try {
    launch_ = variant_->setup(plan_, batch_.inputs, output, *ws_);
  } catch (const std::invalid_argument& e) {  // a plan this design does not take (its taps, its shared memory)
    rec.status = "unsupported";
    rec.reason = e.what();
    return false;
  }
  if (const std::string d = variant_->dispatched(); !d.empty()) rec.extra["dispatched_to"] = d;
  if (gpu) {
    const long long delta = (long long)be_->used_device_bytes() - (long long)used_before;
    const long long live = (long long)ws_->live_bytes();
    // cudaMalloc rounds every allocation up (to 2 MiB pages for large ones), so the device may hold up to 2 MiB
    // more per allocation than the workspace asked for; never less.
    const long long slack = (2LL << 20) * (long long)(ws_->allocations() + 1);
    rec.extra["memory_check"] = {{"workspace_live_after_setup", live},
                                 {"cudaMemGetInfo_delta", delta},
                                 {"allocations", ws_->allocations()},
                                 {"agree", delta >= live - (1LL << 20) && delta - live <= slack}};
    rec.extra["launch"] = launch_name(c.launch);
    if (c.launch == LaunchMode::Graph) launch_ = be_->capture(launch_);  // the parity run checks the graph itself
  }

  phase_ = "checking parity";
  overwrite_batch(*be_, batch_, fresh);
  be_->poison(output.data, out_bytes);
  be_->run_untimed(launch_);
  std::vector<uint8_t> host(out_bytes);
  be_->to_host(host.data(), output.data, out_bytes);
  rec.parity = check_parity(ref, widen_output(host.data(), size_t(plan_.out_elems), c.dtype),
                            find_pipeline(c.pipeline), c.mode, c.dtype);
  rec.has_parity = true;
  overwrite_batch(*be_, batch_, timed);
  if (!rec.parity.ok) {
    rec.status = "failed";
    rec.reason = "parity: " + rec.parity.reason;
    return false;
  }
  return true;
}

void CaseRunner::measure(const Case& c, Record& rec) {
  NvtxRange case_range("case " + c.key());
  phase_ = "timing";
  TimingOptions t;
  t.cold_l2 = !opt_.warm_l2;
  t.stop = opt_.stop;
  const std::vector<double> warm = timed_reps(*be_, launch_, opt_.warmup, t);
  bool inject = opt_.inject_delay_us > 0 || opt_.inject_delay_frac > 0;
  if (inject && !opt_.inject_variants.empty()) {
    inject = false;
    for (const auto& g : opt_.inject_variants) inject |= glob_match(g, c.variant);
  }
  if (inject) {
    t.inject_delay_us = opt_.inject_delay_us > 0 ? opt_.inject_delay_us : opt_.inject_delay_frac * summarize(warm).median * 1e3;
    rec.extra["inject_delay_us"] = t.inject_delay_us;
  }
  rec.samples_ms = timed_reps(*be_, launch_, opt_.reps_for(be_->kind()), t);
  if (opt_.stop && *opt_.stop) {
    rec.status = "failed";
    rec.reason = "interrupted";
    rec.samples_ms.clear();
    return;
  }
  if (be_->kind() == Backend::Cuda && opt_.trace_kernels) {
    const nlohmann::json k = traced_rep(*be_, launch_, t, &last_kernel_table_);
    rec.extra["kernels"] = k["kernels"];  // DESIGN: the record's per-kernel list
    rec.extra["profile"] = k["profile"];
  }
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
