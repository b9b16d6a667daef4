#pragma once
// Where and how a variant runs: memory, copies, poison, cache flushing and timing for one backend.
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "variants/variant.hpp"

namespace pb {

class ExecBackend {
 public:
  virtual ~ExecBackend() = default;
  virtual Backend kind() const = 0;
  virtual Allocator& allocator() = 0;
  virtual void to_device(void* dst, const void* src, size_t bytes) = 0;
  virtual void to_host(void* dst, const void* src, size_t bytes) = 0;
  // 0xFF bytes: NaN in fp32 and bf16 alike, so any element a variant fails to write is caught.
  virtual void poison(void* p, size_t bytes) = 0;
  // Outside the timed region, before each repetition: evict the cache when `cold` (GPU: write 2x L2).
  virtual void before_rep(bool cold) = 0;
  // Runs fn(stream) once and returns its time in milliseconds (device events on the GPU, steady clock on CPU).
  virtual double time_ms(const std::function<void(void*)>& fn) = 0;
  virtual void run_untimed(const std::function<void(void*)>& fn) = 0;
  // A replay of fn: on the GPU, fn's launches captured once into a CUDA graph (instantiated here, off the clock),
  // each call one cudaGraphLaunch; on the CPU, fn itself.
  virtual std::function<void(void*)> capture(const std::function<void(void*)>& fn) = 0;
  // Debug: a deliberate slowdown of `us` microseconds on the stream (a busy kernel on the GPU, a spin on the CPU),
  // for proving that the regression gate catches one.
  virtual void busy_wait(double us, void* stream) = 0;
  // Bytes of device memory in use by anyone (cudaMemGetInfo); 0 where it means nothing.
  virtual size_t used_device_bytes() = 0;
  virtual nlohmann::json meta() = 0;  // device facts for the results' meta block
};

std::unique_ptr<ExecBackend> make_cpu_backend();
// nullptr with `why` set when no CUDA device is usable (or the build has no CUDA).
std::unique_ptr<ExecBackend> make_cuda_backend(std::string& why);
// The GPU the CUDA backend will use (default 0); checked when the backend is made.
void set_cuda_device(int index);

// Device-to-device copy bandwidth (bytes read + written per second / 1e9) over a large buffer, median of several
// repetitions: the ceiling a memory-bound kernel is judged against. 0 without CUDA.
double measure_copy_ceiling_gbps(ExecBackend& cuda);

}  // namespace pb
