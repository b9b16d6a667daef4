#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "core/parallel.hpp"
#include "harness/exec_backend.hpp"

namespace pb {
namespace {

std::string cpu_model() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "unknown";
}

class CpuBackend final : public ExecBackend {
 public:
  Backend kind() const override { return Backend::Cpu; }
  Allocator& allocator() override { return host_allocator(); }
  void to_device(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void to_host(void* dst, const void* src, size_t bytes) override { std::memcpy(dst, src, bytes); }
  void poison(void* p, size_t bytes) override { std::memset(p, 0xFF, bytes); }
  void before_rep(bool) override {}
  double time_ms(const std::function<void(void*)>& fn) override {
    const auto t0 = std::chrono::steady_clock::now();
    fn(nullptr);
    const auto t1 = std::chrono::steady_clock::now();
    return std::chrono::duration<double, std::milli>(t1 - t0).count();
  }
  void run_untimed(const std::function<void(void*)>& fn) override { fn(nullptr); }
  std::function<void(void*)> capture(const std::function<void(void*)>& fn) override { return fn; }
  void busy_wait(double us, void*) override {
    const auto end = std::chrono::steady_clock::now() + std::chrono::nanoseconds(long(us * 1e3));
    while (std::chrono::steady_clock::now() < end) {
    }
  }
  size_t used_device_bytes() override { return 0; }
  nlohmann::json meta() override {
    return {{"cpu", cpu_model()}, {"cpu_threads_used", thread_count()},
            {"hardware_threads", std::thread::hardware_concurrency()}};
  }

 private:
};

}  // namespace

std::unique_ptr<ExecBackend> make_cpu_backend() { return std::make_unique<CpuBackend>(); }

#ifndef PB_HAVE_CUDA
std::unique_ptr<ExecBackend> make_cuda_backend(std::string& why) {
  why = kNoCudaBuild;
  return nullptr;
}
double measure_copy_ceiling_gbps(ExecBackend&) { return 0.0; }
void set_cuda_device(int) {}
#endif

}  // namespace pb
