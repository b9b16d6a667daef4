// The variant registry: one line per variant. Each variant lives in its own file and defines
// std::unique_ptr<Variant> make_<name>(). A build without CUDA still lists the CUDA variants (with no factory), so
// the same sweep names the same cases everywhere and a CPU-only machine records them as not built.
#include "variants/variant.hpp"

#define PB_CPU_VARIANTS(X) \
  X(cpu_naive_per_stage)   \
  X(cpu_pointwise_fused)   \
  X(cpu_separable_ring)

#define PB_CUDA_VARIANTS(X) \
  X(cuda_naive_per_stage)   \
  X(cuda_pointwise_fused)   \
  X(cuda_gather_2d)       \
  X(cuda_separable_two_pass) \
  X(cuda_fused_2d)           \
  X(cuda_separable_smem)     \
  X(cuda_separable_ring)     \
  X(cuda_separable_staged)   \
  X(cuda_separable_mma)      \
  X(cuda_separable_mma_otf)  \
  X(cuda_separable_mma_raster) \
  X(cuda_separable_mma_persistent) \
  X(cuda_separable_mma_strip) \
  X(cuda_separable_mma_async) \
  X(cuda_separable_wgmma)   \
  X(cuda_separable_imma)    \
  X(cuda_separable_fewtap)  \
  X(cuda_auto)

namespace pb {

#define PB_DECLARE(name) std::unique_ptr<Variant> make_##name();
#define PB_CPU_ENTRY(name) {#name, Backend::Cpu, &make_##name},
#ifdef PB_HAVE_CUDA
#define PB_CUDA_ENTRY(name) {#name, Backend::Cuda, &make_##name},
#else
#define PB_CUDA_ENTRY(name) {#name, Backend::Cuda, nullptr},
#endif
PB_CPU_VARIANTS(PB_DECLARE)
#ifdef PB_HAVE_CUDA
PB_CUDA_VARIANTS(PB_DECLARE)
#endif

const std::vector<VariantEntry>& variant_registry() {
  static const std::vector<VariantEntry> entries = {PB_CPU_VARIANTS(PB_CPU_ENTRY) PB_CUDA_VARIANTS(PB_CUDA_ENTRY)};
  return entries;
}

}  // namespace pb
