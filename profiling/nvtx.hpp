#pragma once
// NVTX ranges (NVTX3, header-only, from the CUDA toolkit): one per case, one per repetition and one per stage of
// the multi-kernel variants, so Nsight Systems / Compute show the structure and ncu can pick a repetition. With
// no profiler attached a push/pop costs a few nanoseconds; builds without the toolkit get no-ops.
#include <string>

#if defined(PB_HAVE_CUDA) && __has_include(<nvtx3/nvToolsExt.h>)
#include <nvtx3/nvToolsExt.h>
#define PB_HAVE_NVTX 1
#endif

namespace pb {

class NvtxRange {
 public:
  explicit NvtxRange(const char* name) {
#ifdef PB_HAVE_NVTX
    nvtxRangePushA(name);
#else
    (void)name;
#endif
  }
  explicit NvtxRange(const std::string& name) : NvtxRange(name.c_str()) {}
  ~NvtxRange() {
#ifdef PB_HAVE_NVTX
    nvtxRangePop();
#endif
  }
  NvtxRange(const NvtxRange&) = delete;
  NvtxRange& operator=(const NvtxRange&) = delete;
};

}  // namespace pb
