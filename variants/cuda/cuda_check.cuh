#pragma once
// Every CUDA call is checked; a failed allocation becomes OutOfMemory so the harness can record it and go on.
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

#include "variants/variant.hpp"

namespace pb {

[[noreturn]] inline void cuda_fail(cudaError_t e, const char* what, const char* file, int line) {
  const std::string msg = std::string(what) + " failed at " + file + ":" + std::to_string(line) + ": " +
                          cudaGetErrorName(e) + " (" + cudaGetErrorString(e) + ")";
  if (e == cudaErrorMemoryAllocation) throw OutOfMemory("out of memory: " + msg);
  throw std::runtime_error(msg);
}

}  // namespace pb

#define PB_CUDA_CHECK(call)                                             \
  do {                                                                  \
    const cudaError_t pb_err_ = (call);                                 \
    if (pb_err_ != cudaSuccess) ::pb::cuda_fail(pb_err_, #call, __FILE__, __LINE__); \
  } while (0)

// After every launch: configuration errors show up here, not at the launch.
#define PB_CUDA_CHECK_LAUNCH() PB_CUDA_CHECK(cudaGetLastError())
