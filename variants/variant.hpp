#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/image.hpp"
#include "core/plan.hpp"

namespace pb {

enum class Backend { Cpu, Cuda };
enum class DType { F32, BF16 };
const char* backend_name(Backend b);
const char* dtype_name(DType d);
DType parse_dtype(const std::string& s);  // "fp32" | "bf16"
inline size_t dtype_size(DType d) { return d == DType::F32 ? 4 : 2; }

// Thrown when an allocation cannot be satisfied; the harness records `failed: out of memory`.
struct OutOfMemory : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Raw memory of one backend (host malloc, cudaMalloc).
struct Allocator {
  virtual ~Allocator() = default;
  virtual void* allocate(size_t bytes) = 0;  // throws OutOfMemory
  virtual void release(void* p) = 0;
};

// Plain host memory, 64-byte aligned (every CPU workspace), and cudaMalloc'd device memory (defined in a build with
// CUDA; without it, device_allocator() throws NotBuilt). A failed cudaMalloc clears the sticky error and throws
// OutOfMemory.
Allocator& host_allocator();
Allocator& device_allocator();

// Every variant allocation goes through here so that live and peak bytes of intermediates are known exactly.
class Workspace {
 public:
  explicit Workspace(Allocator& a) : alloc_(a) {}
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  void* allocate(size_t bytes, const char* what);
  template <typename T>
  T* allocate_array(size_t n, const char* what) { return static_cast<T*>(allocate(n * sizeof(T), what)); }
  void release_all();
  size_t live_bytes() const { return live_; }
  size_t peak_bytes() const { return peak_; }
  size_t allocations() const { return blocks_.size(); }

 private:
  struct Block {
    void* p;
    size_t bytes;
    std::string what;
  };
  Allocator& alloc_;
  std::vector<Block> blocks_;
  size_t live_ = 0, peak_ = 0;
};

// Input images in the variant's memory space (host for CPU variants, device for CUDA ones), all in one layout.
struct Inputs {
  std::vector<ImageView> images;
  Layout layout = Layout::HWC;
};

struct Output {
  void* data = nullptr;  // plan.out_elems elements of `dtype`, in the variant's memory space
  DType dtype = DType::F32;
};

struct VariantInfo {
  std::string name;
  Backend backend = Backend::Cpu;
  std::string description;  // the design, i.e. the ablation axis this variant represents
  std::vector<Layout> layouts{Layout::HWC, Layout::CHW};
  std::vector<DType> dtypes{DType::F32};
  std::vector<Mode> modes{Mode::Float, Mode::Hf};  // `pil` (Pillow's integer resize) is the reference's alone
  std::vector<std::string> pipelines;  // empty: every pipeline the planner makes
  bool supports(const std::string& pipeline, Layout l, DType d, Mode m, std::string& why) const;
};

// A variant bound by setup() to one plan, its input images and its output: each call runs the whole plan once,
// on the clock. `stream` is a cudaStream_t for CUDA variants, unused on the CPU.
using Launch = std::function<void(void* stream)>;

class Variant {
 public:
  virtual ~Variant() = default;
  virtual const VariantInfo& info() const = 0;
  // Off the clock: tables, intermediates, job tables, all from `ws`. The launch keeps pointers to the plan, the
  // images' memory and the output, so they (and the variant) must outlive it; the images' pixels may change
  // between launches.
  virtual Launch setup(const Plan& plan, const Inputs& inputs, const Output& out, Workspace& ws) = 0;
  // Points the launch of the last setup() at other images (same count and shapes) and another output, without
  // redoing setup: what a library call with fresh tensors needs. Any device-side update is a launch on `stream`,
  // so it is ordered before the next launch and can be captured into a CUDA graph. false: this variant cannot;
  // call setup() again.
  virtual bool rebind(const Inputs& /*inputs*/, const Output& /*out*/, void* /*stream*/) { return false; }
  // A variant that runs another design for some plans (cuda_auto; cuda_separable_mma_strip on a plan too small
  // for strips): the name of the design its last setup() bound; empty when it runs itself. The harness records it
  // as `dispatched_to`.
  virtual std::string dispatched() const { return {}; }
};

struct VariantEntry {
  const char* name;
  Backend backend;
  std::unique_ptr<Variant> (*make)();  // nullptr: not in this build (a CUDA variant in a build without CUDA)
  bool built() const { return make != nullptr; }
};
const std::vector<VariantEntry>& variant_registry();
// The registry entry of `name`; throws std::invalid_argument naming the valid variants.
const VariantEntry& find_variant(const std::string& name);
// Throws std::invalid_argument for an unknown name and NotBuilt for a variant this build does not contain.
std::unique_ptr<Variant> make_variant(const std::string& name);
struct NotBuilt : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};
// Why a CUDA variant is missing from this build, worded for a user.
extern const char* const kNoCudaBuild;

}  // namespace pb
