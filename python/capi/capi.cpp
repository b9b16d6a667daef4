// The C ABI (prepbench_c.h) over core/ plans and variants/. Each plan caches its bound setups, so that a repeated
// call with the same shapes costs a re-point of the images and the output, not a new setup.
#include "python/capi/prepbench_c.h"

#include <algorithm>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/plan.hpp"
#include "core/reference.hpp"
#include "harness/catalog_json.hpp"
#include "python/capi/cuda_device.hpp"
#include "variants/auto_rule.hpp"  // variant="auto": the designs tried, fastest first
#include "variants/variant.hpp"

namespace pb {
const char* build_commit();  // generated at build time (cmake/gitinfo.cmake)
}

namespace {

thread_local std::string g_error;
thread_local std::string g_variant;

template <typename F>
int guarded(F&& f) {
  try {
    f();
    return 0;
  } catch (const pb::OutOfMemory& e) {
    g_error = e.what();
    return PB_E_OOM;
  } catch (const std::bad_alloc&) {
    g_error = "out of memory (host)";
    return PB_E_OOM;
  } catch (const std::invalid_argument& e) {
    g_error = e.what();
    return PB_E_INPUT;
  } catch (const pb::CudaUnavailable& e) {
    g_error = e.what();
    return PB_E_CUDA;
  } catch (const std::exception& e) {
    g_error = e.what();
    return PB_E_OTHER;
  }
}

pb::Backend parse_backend(const std::string& s) {
  if (s == "cpu") return pb::Backend::Cpu;
  if (s == "cuda") return pb::Backend::Cuda;
  throw std::invalid_argument("unknown backend '" + s + "' (expected cpu or cuda)");
}

std::string str(const char* s, const char* what) {
  if (!s) throw std::invalid_argument(std::string(what) + " is NULL");
  return s;
}

// One variant set up for one (layout, dtype, device, stream), bound to the pointers of its last call.
struct Bound {
  std::string variant;  // the name asked for (or auto's choice): what a later call matches
  std::string ran;      // the design that runs: the variant's own dispatch (the strip design's fallback), else it
  pb::Backend backend = pb::Backend::Cpu;
  pb::Layout layout = pb::Layout::HWC;
  pb::DType dtype = pb::DType::F32;
  int device = 0;
  void* stream = nullptr;
  std::unique_ptr<pb::Variant> v;
  std::unique_ptr<pb::Workspace> ws;
  pb::Launch launch;
  pb::Inputs inputs;
  pb::Output out;
  // Made during a CUDA-graph capture: the graph reads its tables and pointers at every replay, so it is never
  // re-pointed, matched by a later call or dropped while the plan lives.
  bool captured = false;

  bool same_pointers(const pb::Inputs& in, const pb::Output& o) const {
    if (o.data != out.data) return false;
    for (size_t i = 0; i < in.images.size(); ++i)
      if (in.images[i].data != inputs.images[i].data) return false;
    return true;
  }
};

void reference_into(const pb::Plan& plan, const std::vector<pb::ImageView>& images, float* out) {
  const std::vector<float> v = pb::run_reference(plan, images);
  std::copy(v.begin(), v.end(), out);
  g_variant = "reference";
}

constexpr size_t kMaxBound = 8;  // setups kept per plan (least recently used dropped first)

}  // namespace

struct pb_plan {
  pb::Plan plan;
  std::string info;
  mutable std::mutex mu;
  std::vector<std::unique_ptr<Bound>> bound;  // most recently used last
};

extern "C" {

const char* pb_last_error(void) { return g_error.c_str(); }
const char* pb_last_variant(void) { return g_variant.c_str(); }

const char* pb_version(void) {
  static const std::string v = std::string(PB_VERSION) + " (commit " + std::string(pb::build_commit()).substr(0, 12) + ")";
  return v.c_str();
}

int pb_has_cuda(void) {
#ifdef PB_HAVE_CUDA
  return 1;
#else
  return 0;
#endif
}

const char* pb_catalog_json(void) {
  static const std::string doc = [] {
    nlohmann::json j = {{"schema", "prepbench.catalog/1"}, {"version", pb_version()}, {"cuda", pb_has_cuda() == 1}};
    for (const auto& p : pb::all_pipelines()) j["pipelines"].push_back(pb::pipeline_json(p));
    j["modes"] = {"float", "hf", "pil"};
    j["parity"] = pb::parity_json();
    for (const auto& e : pb::variant_registry()) j["variants"].push_back(pb::variant_json(e));
    return j.dump();
  }();
  return doc.c_str();
}

int pb_plan_create(const char* spec_json, int n, const int* hw, const int* targets, const char* mode,
                   int channels_last, pb_plan** out) {
  return guarded([&] {
    if (!out) throw std::invalid_argument("out is NULL");
    *out = nullptr;
    if (n <= 0) throw std::invalid_argument("empty batch: a plan needs at least one image");
    if (!hw) throw std::invalid_argument("hw is NULL");
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(str(spec_json, "spec_json"));
    } catch (const nlohmann::json::parse_error& e) {
      throw std::invalid_argument(std::string("spec_json is not JSON: ") + e.what());
    }
    const pb::PipelineSpec spec = pb::spec_from_json(j);
    std::vector<pb::ImageShape> shapes, tgt;
    for (int i = 0; i < n; ++i) shapes.push_back({hw[2 * i], hw[2 * i + 1]});
    if (targets)
      for (int i = 0; i < n; ++i) tgt.push_back({targets[2 * i], targets[2 * i + 1]});
    auto p = std::make_unique<pb_plan>();
    p->plan = pb::make_plan(spec, shapes, pb::parse_mode(str(mode, "mode")), tgt);
    if (channels_last) pb::to_channels_last(p->plan);
    const pb::Plan& pl = p->plan;
    nlohmann::json info = {{"out_shape", pl.out_shape},           {"out_elems", pl.out_elems},
                           {"layout", pb::dst_layout_name(pl.layout)}, {"input_bytes", pl.input_bytes()},
                           {"jobs", pl.jobs.size()},                 {"pipeline", pl.pipeline}};
    if (!pl.grid_thw.empty()) info["grid_thw"] = pl.grid_thw;
    // InternVL returns num_patches; LLaVA-NeXT's processor returns image_sizes only (its counts are internal)
    if (!pl.num_patches.empty() && pl.image_sizes.empty()) info["num_patches"] = pl.num_patches;
    if (!pl.image_sizes.empty()) info["image_sizes"] = pl.image_sizes;
    p->info = info.dump();
    *out = p.release();
  });
}

void pb_plan_destroy(pb_plan* plan) { delete plan; }

int pb_plan_pinned(const pb_plan* plan) {
  if (!plan) return 0;
  std::lock_guard<std::mutex> lock(plan->mu);
  return std::any_of(plan->bound.begin(), plan->bound.end(), [](const auto& b) { return b->captured; }) ? 1 : 0;
}

const char* pb_plan_info(const pb_plan* plan) { return plan ? plan->info.c_str() : "{}"; }

int pb_run(pb_plan* plan, const char* variant, const char* backend, const char* layout, const char* dtype,
           const void* const* images, void* out, void* stream, int device) {
  return guarded([&] {
    if (!plan) throw std::invalid_argument("plan is NULL");
    if (!images || !out) throw std::invalid_argument("images or out is NULL");
    const pb::Backend b = parse_backend(str(backend, "backend"));
    const pb::Layout l = pb::parse_layout(str(layout, "layout"));
    const pb::DType d = pb::parse_dtype(str(dtype, "dtype"));
    const std::string want = str(variant, "variant");
    std::lock_guard<std::mutex> lock(plan->mu);
    const pb::Plan& pl = plan->plan;
    pb::Inputs in;
    in.layout = l;
    for (size_t i = 0; i < pl.inputs.size(); ++i) {
      if (!images[i]) throw std::invalid_argument("image " + std::to_string(i) + " is NULL");
      in.images.push_back({static_cast<const uint8_t*>(images[i]), pl.inputs[i].h, pl.inputs[i].w, l});
    }
    const pb::Output o{out, d};
    if (b == pb::Backend::Cuda) {
#ifdef PB_HAVE_CUDA
      pb::capi::use_device(device);
#else
      throw std::invalid_argument(std::string("backend cuda: ") + pb::kNoCudaBuild);
#endif
    } else {
      device = 0;
      stream = nullptr;
    }

    // Pillow's integer numerics are the reference's alone (no variant implements them): "auto" on the CPU runs it.
    if (want == "reference" || (want == "auto" && b == pb::Backend::Cpu && pl.mode == pb::Mode::Pil)) {
      if (b != pb::Backend::Cpu || d != pb::DType::F32)
        throw std::invalid_argument("the reference runs on the cpu backend into fp32 only" +
                                    std::string(pl.mode == pb::Mode::Pil ? " (pil numerics have no GPU design)" : ""));
      reference_into(pl, in.images, static_cast<float*>(out));
      return;
    }

    bool capturing = false;
#ifdef PB_HAVE_CUDA
    capturing = b == pb::Backend::Cuda && pb::capi::stream_capturing(stream);
    std::unique_ptr<pb::capi::RelaxedCapture> relaxed;
    if (capturing) relaxed = std::make_unique<pb::capi::RelaxedCapture>();
#endif

    // A setup of this (variant, layout, dtype, device, stream) already made: re-point it. Under capture, always a
    // new one: a setup a graph has recorded must keep its tables.
    for (size_t k = 0; k < plan->bound.size(); ++k) {
      Bound& bd = *plan->bound[k];
      if (capturing || bd.captured || bd.backend != b || bd.layout != l || bd.dtype != d || bd.device != device ||
          bd.stream != stream || (want != "auto" && want != bd.variant))
        continue;
      std::rotate(plan->bound.begin() + long(k), plan->bound.begin() + long(k) + 1, plan->bound.end());
      Bound& hit = *plan->bound.back();
      if (!hit.same_pointers(in, o)) {
        if (hit.v->rebind(in, o, stream)) {
          hit.inputs = in;
          hit.out = o;
        } else {
          hit.ws->release_all();
          hit.inputs = in;
          hit.out = o;
          hit.launch = hit.v->setup(pl, hit.inputs, hit.out, *hit.ws);
        }
      }
      hit.launch(stream);
      g_variant = hit.ran;
      return;
    }

    // A new setup: the named variant, or the first of auto's order that supports the plan.
#ifdef PB_HAVE_CUDA
    if (b == pb::Backend::Cuda) {
      for (size_t i = 0; i < in.images.size(); ++i)
        pb::capi::check_device_pointer(in.images[i].data, device, "image " + std::to_string(i));
      pb::capi::check_device_pointer(out, device, "out");
    }
#endif
    const std::vector<std::string> names = want == "auto" ? pb::auto_designs(b, pl) : std::vector<std::string>{want};
    std::string why_not;
    for (const std::string& name : names) {
      const pb::VariantEntry& e = pb::find_variant(name);
      if (e.backend != b)
        throw std::invalid_argument(name + " is a " + pb::backend_name(e.backend) + " variant, not " +
                                    pb::backend_name(b));
      auto bd = std::make_unique<Bound>();
      bd->v = pb::make_variant(name);
      std::string why;
      if (!bd->v->info().supports(pl.pipeline, l, d, pl.mode, why)) {
        why_not += (why_not.empty() ? "" : "; ") + why;
        continue;
      }
      bd->variant = name;
      bd->backend = b;
      bd->layout = l;
      bd->dtype = d;
      bd->device = device;
      bd->stream = stream;
      bd->ws = std::make_unique<pb::Workspace>(b == pb::Backend::Cuda ? pb::device_allocator() : pb::host_allocator());
      bd->inputs = in;
      bd->out = o;
      try {
        bd->launch = bd->v->setup(pl, bd->inputs, bd->out, *bd->ws);
      } catch (const std::invalid_argument& ex) {  // a design that cannot take this plan (filter, smem): next
        why_not += (why_not.empty() ? "" : "; ") + std::string(ex.what());
        continue;
      }
      bd->launch(stream);
      bd->captured = capturing;
      bd->ran = bd->v->dispatched().empty() ? name : bd->v->dispatched();
      g_variant = bd->ran;
      if (plan->bound.size() >= kMaxBound) {
        auto drop = std::find_if(plan->bound.begin(), plan->bound.end(), [](const auto& x) { return !x->captured; });
        if (drop != plan->bound.end()) plan->bound.erase(drop);
      }
      plan->bound.push_back(std::move(bd));
      return;
    }
    throw std::invalid_argument("no " + std::string(pb::backend_name(b)) + " variant runs this plan (" +
                                pb::mode_name(pl.mode) + " numerics, " + pb::layout_name(l) + " input, " +
                                pb::dtype_name(d) + " output): " + why_not);
  });
}

int pb_reference(const pb_plan* plan, const char* layout, const void* const* images, float* out) {
  return guarded([&] {
    if (!plan || !images || !out) throw std::invalid_argument("plan, images or out is NULL");
    const pb::Layout l = pb::parse_layout(str(layout, "layout"));
    std::vector<pb::ImageView> views;
    for (size_t i = 0; i < plan->plan.inputs.size(); ++i) {
      if (!images[i]) throw std::invalid_argument("image " + std::to_string(i) + " is NULL");
      views.push_back({static_cast<const uint8_t*>(images[i]), plan->plan.inputs[i].h, plan->plan.inputs[i].w, l});
    }
    reference_into(plan->plan, views, out);
  });
}

}  // extern "C"
