#include <dlfcn.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "harness/cli_args.hpp"
#include "harness/exec_backend.hpp"
#include "harness/stats.hpp"
#include "variants/cuda/cuda_check.cuh"

namespace pb {
namespace {

__global__ void busy_kernel(unsigned long long ns) {
  unsigned long long t0, t;
  asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t0));
  do {
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
  } while (t - t0 < ns);
}

// "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", as nvidia-smi prints it.
std::string uuid_text(const cudaUUID_t& u) {
  char s[48];
  const unsigned char* b = reinterpret_cast<const unsigned char*>(u.bytes);
  std::snprintf(s, sizeof s, "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return s;
}

class CudaBackend final : public ExecBackend {
 public:
  CudaBackend() {
    PB_CUDA_CHECK(cudaGetDevice(&device_));
    PB_CUDA_CHECK(cudaGetDeviceProperties(&prop_, device_));
    PB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking));
    PB_CUDA_CHECK(cudaEventCreate(&start_));
    PB_CUDA_CHECK(cudaEventCreate(&stop_));
    scrub_bytes_ = std::max<size_t>(size_t(prop_.l2CacheSize) * 2, size_t(64) << 20);
    PB_CUDA_CHECK(cudaMalloc(&scrub_, scrub_bytes_));
  }
  ~CudaBackend() override {
    cudaFree(scrub_);
    cudaEventDestroy(start_);
    cudaEventDestroy(stop_);
    cudaStreamDestroy(stream_);
  }
  Backend kind() const override { return Backend::Cuda; }
  Allocator& allocator() override { return device_allocator(); }
  void to_device(void* dst, const void* src, size_t bytes) override {
    PB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, stream_));
    PB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void to_host(void* dst, const void* src, size_t bytes) override {
    PB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, stream_));
    PB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void poison(void* p, size_t bytes) override {
    PB_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, bytes, stream_));
    PB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void before_rep(bool cold) override {
    if (cold) PB_CUDA_CHECK(cudaMemsetAsync(scrub_, ++scrub_value_ & 0xFF, scrub_bytes_, stream_));
    PB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  double time_ms(const std::function<void(void*)>& fn) override {
    PB_CUDA_CHECK(cudaEventRecord(start_, stream_));
    fn(stream_);
    PB_CUDA_CHECK(cudaEventRecord(stop_, stream_));
    PB_CUDA_CHECK(cudaEventSynchronize(stop_));
    float ms = 0;
    PB_CUDA_CHECK(cudaEventElapsedTime(&ms, start_, stop_));
    return double(ms);
  }
  std::function<void(void*)> capture(const std::function<void(void*)>& fn) override {
    cudaGraph_t graph = nullptr;
    PB_CUDA_CHECK(cudaStreamBeginCapture(stream_, cudaStreamCaptureModeThreadLocal));
    try {
      fn(stream_);
    } catch (...) {
      cudaStreamEndCapture(stream_, &graph);
      if (graph) cudaGraphDestroy(graph);
      throw;
    }
    PB_CUDA_CHECK(cudaStreamEndCapture(stream_, &graph));
    cudaGraphExec_t exec = nullptr;
    const cudaError_t e = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    PB_CUDA_CHECK(e);
    auto owner = std::shared_ptr<CUgraphExec_st>(exec, [](cudaGraphExec_t x) { cudaGraphExecDestroy(x); });
    return [owner](void* s) { PB_CUDA_CHECK(cudaGraphLaunch(owner.get(), static_cast<cudaStream_t>(s))); };
  }
  void run_untimed(const std::function<void(void*)>& fn) override {
    fn(stream_);
    PB_CUDA_CHECK(cudaStreamSynchronize(stream_));
  }
  void busy_wait(double us, void* stream) override {
    busy_kernel<<<1, 1, 0, static_cast<cudaStream_t>(stream)>>>((unsigned long long)(us * 1e3));
    PB_CUDA_CHECK_LAUNCH();
  }
  size_t used_device_bytes() override {
    size_t free_b = 0, total = 0;
    PB_CUDA_CHECK(cudaMemGetInfo(&free_b, &total));
    return total - free_b;
  }
  nlohmann::json meta() override {
    int driver = 0, runtime = 0, clock_khz = 0, mem_clock_khz = 0, bus_width = 0;
    cudaDriverGetVersion(&driver);
    cudaRuntimeGetVersion(&runtime);
    cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device_);
    cudaDeviceGetAttribute(&mem_clock_khz, cudaDevAttrMemoryClockRate, device_);
    cudaDeviceGetAttribute(&bus_width, cudaDevAttrGlobalMemoryBusWidth, device_);
    (void)cudaGetLastError();
    return {{"gpu", prop_.name},
            {"sm_count", prop_.multiProcessorCount},
            {"l2_bytes", prop_.l2CacheSize},
            {"compute_capability", std::to_string(prop_.major) + "." + std::to_string(prop_.minor)},
            {"gpu_memory_bytes", prop_.totalGlobalMem},
            {"cuda_driver_api", driver},
            {"cuda_runtime", runtime},
            {"clocks", {{"sm_max_khz", clock_khz}, {"mem_max_khz", mem_clock_khz}, {"mem_bus_bits", bus_width}}},
            {"cold_l2_scrub_bytes", scrub_bytes_},
            {"device_index", device_},
            {"device_uuid", uuid_text(prop_.uuid)}};
  }

 private:
  int device_ = 0;
  cudaDeviceProp prop_{};
  cudaStream_t stream_ = nullptr;
  cudaEvent_t start_ = nullptr, stop_ = nullptr;
  void* scrub_ = nullptr;
  size_t scrub_bytes_ = 0;
  int scrub_value_ = 0;
};

// The runtime answers "driver insufficient" both when the driver is too old and when there is none at all; only
// the first is a reason to upgrade it.
std::string no_cuda_device_reason(cudaError_t e) {
  if (e == cudaSuccess || e == cudaErrorNoDevice) return "no CUDA device on this machine";
  if (e == cudaErrorInsufficientDriver) {
    void* libcuda = dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
    if (!libcuda) return "no CUDA device on this machine (no NVIDIA driver is installed)";
    dlclose(libcuda);
    return "no usable CUDA device: the NVIDIA driver is older than this build's CUDA runtime";
  }
  return std::string("no usable CUDA device (") + cudaGetErrorString(e) + ")";
}

int g_device = 0;  // set_cuda_device

}  // namespace

std::unique_ptr<ExecBackend> make_cuda_backend(std::string& why) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    why = no_cuda_device_reason(e);
    return nullptr;
  }
  if (g_device >= n)
    throw UsageError("--device " + std::to_string(g_device) + ": this machine has " + std::to_string(n) + " CUDA device" +
                     (n == 1 ? "" : "s") + " (CUDA_VISIBLE_DEVICES may hide some)");
  PB_CUDA_CHECK(cudaSetDevice(g_device));
  return std::make_unique<CudaBackend>();
}

void set_cuda_device(int index) { g_device = index; }

double measure_copy_ceiling_gbps(ExecBackend& cuda) {
  const size_t bytes = size_t(1) << 30;  // 1 GiB each way: far beyond L2
  Allocator& a = cuda.allocator();
  void* src = a.allocate(bytes);
  void* dst = nullptr;
  try {
    dst = a.allocate(bytes);
  } catch (...) {
    a.release(src);
    throw;
  }
  PB_CUDA_CHECK(cudaMemset(src, 1, bytes));
  std::vector<double> gbps;
  for (int i = 0; i < 12; ++i) {
    const double ms = cuda.time_ms([&](void* s) {
      PB_CUDA_CHECK(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, static_cast<cudaStream_t>(s)));
    });
    if (i >= 2) gbps.push_back(2.0 * double(bytes) / (ms * 1e-3) / 1e9);  // first two are warm-up
  }
  a.release(src);
  a.release(dst);
  return summarize(gbps).median;
}

}  // namespace pb
