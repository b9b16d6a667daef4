#include "variants/variant.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

namespace pb {

const char* backend_name(Backend b) { return b == Backend::Cpu ? "cpu" : "cuda"; }
const char* dtype_name(DType d) { return d == DType::F32 ? "fp32" : "bf16"; }

DType parse_dtype(const std::string& s) {
  if (s == "fp32") return DType::F32;
  if (s == "bf16") return DType::BF16;
  throw std::invalid_argument("unknown dtype '" + s + "' (expected fp32 or bf16)");
}

namespace {
struct HostAllocator final : Allocator {
  void* allocate(size_t bytes) override {
    void* p = nullptr;
    if (posix_memalign(&p, 64, bytes) != 0 || !p)
      throw OutOfMemory("out of memory (host, " + std::to_string(bytes) + " bytes)");
    return p;
  }
  void release(void* p) override { std::free(p); }
};
}  // namespace

Allocator& host_allocator() {
  static HostAllocator a;
  return a;
}

#ifndef PB_HAVE_CUDA
// A build without CUDA has no device memory to hand out (variants/cuda/cuda_common.cu defines the real one).
Allocator& device_allocator() { throw NotBuilt(std::string("device memory: ") + kNoCudaBuild); }
#endif

Workspace::~Workspace() { release_all(); }

void* Workspace::allocate(size_t bytes, const char* what) {
  void* p = alloc_.allocate(std::max<size_t>(bytes, 1));
  blocks_.push_back({p, bytes, what});
  live_ += bytes;
  peak_ = std::max(peak_, live_);
  return p;
}

void Workspace::release_all() {
  for (auto& b : blocks_) alloc_.release(b.p);
  blocks_.clear();
  live_ = 0;
}

bool VariantInfo::supports(const std::string& pipeline, Layout l, DType d, Mode m, std::string& why) const {
  if (std::find(modes.begin(), modes.end(), m) == modes.end()) {
    why = name + " does not implement " + mode_name(m) + " numerics";
    return false;
  }
  if (!pipelines.empty() && std::find(pipelines.begin(), pipelines.end(), pipeline) == pipelines.end()) {
    why = name + " does not implement pipeline " + pipeline;
    return false;
  }
  if (std::find(layouts.begin(), layouts.end(), l) == layouts.end()) {
    why = name + " does not take " + layout_name(l) + " input";
    return false;
  }
  if (std::find(dtypes.begin(), dtypes.end(), d) == dtypes.end()) {
    why = name + " does not write " + dtype_name(d) + " output";
    return false;
  }
  return true;
}

const char* const kNoCudaBuild = "this build has no CUDA (configured without nvcc, or with PB_CUDA=OFF)";

const VariantEntry& find_variant(const std::string& name) {
  std::string names;
  for (const auto& e : variant_registry()) {
    if (name == e.name) return e;
    names += (names.empty() ? "" : ", ") + std::string(e.name);
  }
  throw std::invalid_argument("unknown variant '" + name + "' (valid: " + names + ")");
}

std::unique_ptr<Variant> make_variant(const std::string& name) {
  const VariantEntry& e = find_variant(name);
  if (!e.built()) throw NotBuilt(name + ": " + kNoCudaBuild);
  return e.make();
}

}  // namespace pb
