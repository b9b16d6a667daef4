#include "profiling/cupti_kernels.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <stdexcept>

#ifdef PB_HAVE_CUDA
#include <cxxabi.h>
#include <cuda_runtime.h>
#include <cupti.h>
#endif

namespace pb {

nlohmann::json kernels_json(const std::vector<KernelRecord>& k) {
  nlohmann::json list = nlohmann::json::array();
  double sum = 0;
  for (const auto& r : k) {
    list.push_back({{"name", r.name},
                    {"grid", {r.grid[0], r.grid[1], r.grid[2]}},
                    {"block", {r.block[0], r.block[1], r.block[2]}},
                    {"registers", r.registers},
                    {"static_smem", r.static_smem},
                    {"dynamic_smem", r.dynamic_smem},
                    {"ms", r.ms()}});
    sum += r.ms();
  }
  const double span = k.empty() ? 0.0 : double(k.back().end_ns - k.front().start_ns) * 1e-6;
  return {{"kernels", list}, {"kernels_sum_ms", sum}, {"kernels_span_ms", span}, {"kernel_count", k.size()}};
}

std::string kernel_table(const std::vector<KernelRecord>& k) {
  std::string out;
  char line[512];
  std::snprintf(line, sizeof line, "  %-44s %16s %12s %5s %7s %7s %10s\n", "kernel", "grid", "block", "regs", "smem_s",
                "smem_d", "ms");
  out += line;
  double sum = 0;
  for (const auto& r : k) {
    char g[48], b[48];
    std::snprintf(g, sizeof g, "%dx%dx%d", r.grid[0], r.grid[1], r.grid[2]);
    std::snprintf(b, sizeof b, "%dx%dx%d", r.block[0], r.block[1], r.block[2]);
    std::snprintf(line, sizeof line, "  %-44.44s %16s %12s %5d %7d %7d %10.4f\n", r.name.c_str(), g, b, r.registers,
                  r.static_smem, r.dynamic_smem, r.ms());
    out += line;
    sum += r.ms();
  }
  const double span = k.empty() ? 0.0 : double(k.back().end_ns - k.front().start_ns) * 1e-6;
  std::snprintf(line, sizeof line, "  %zu kernels, sum %.4f ms, first start to last end %.4f ms (gaps %.4f ms)\n",
                k.size(), sum, span, span - sum);
  return out + line;
}

#ifdef PB_HAVE_CUDA

namespace {

std::string pretty(const char* mangled) {
  if (!mangled) return "?";
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> d(abi::__cxa_demangle(mangled, nullptr, nullptr, &status), std::free);
  std::string s = status == 0 && d ? d.get() : mangled;
  for (const char* noise : {"(anonymous namespace)::", "pb::cuda::", "pb::"}) {
    for (size_t p; (p = s.find(noise)) != std::string::npos;) s.erase(p, std::string(noise).size());
  }
  const size_t paren = s.find('(');  // drop the parameter list, keep template arguments
  return paren == std::string::npos ? s : s.substr(0, paren);
}

std::mutex g_mutex;
std::vector<KernelRecord>* g_sink = nullptr;

#define PB_CUPTI_CHECK(call)                                                               \
  do {                                                                                     \
    const CUptiResult r_ = (call);                                                         \
    if (r_ != CUPTI_SUCCESS) {                                                             \
      const char* msg = nullptr;                                                           \
      cuptiGetResultString(r_, &msg);                                                      \
      throw std::runtime_error(std::string("CUPTI: ") + #call + ": " + (msg ? msg : "?")); \
    }                                                                                      \
  } while (0)

void CUPTIAPI buffer_requested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *size = 8 << 20;
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(8, *size));
  *max_records = 0;
}

void CUPTIAPI buffer_completed(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  CUpti_Activity* rec = nullptr;
  std::lock_guard<std::mutex> lk(g_mutex);
  while (cuptiActivityGetNextRecord(buffer, valid, &rec) == CUPTI_SUCCESS) {
    if (rec->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL || !g_sink) continue;
    const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(rec);
    KernelRecord r;
    r.name = pretty(k->name);
    r.grid[0] = k->gridX, r.grid[1] = k->gridY, r.grid[2] = k->gridZ;
    r.block[0] = k->blockX, r.block[1] = k->blockY, r.block[2] = k->blockZ;
    r.registers = k->registersPerThread;
    r.static_smem = k->staticSharedMemory;
    r.dynamic_smem = k->dynamicSharedMemory;
    r.start_ns = k->start;
    r.end_ns = k->end;
    g_sink->push_back(r);
  }
  std::free(buffer);
}

}  // namespace

bool cupti_available(std::string& why) {
  int n = 0;
  if (cudaGetDeviceCount(&n) != cudaSuccess || n == 0) {
    (void)cudaGetLastError();
    why = "no CUDA device";
    return false;
  }
  return true;
}

std::vector<KernelRecord> trace_kernels(const std::function<void()>& fn) {
  static std::once_flag registered;
  std::call_once(registered, [] { PB_CUPTI_CHECK(cuptiActivityRegisterCallbacks(buffer_requested, buffer_completed)); });
  std::vector<KernelRecord> out;
  {
    std::lock_guard<std::mutex> lk(g_mutex);
    g_sink = &out;
  }
  PB_CUPTI_CHECK(cuptiActivityEnable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  uint64_t split = 0;
  try {
    fn();  // absorbs CUPTI's start-up; its kernels are dropped below
    if (cudaDeviceSynchronize() != cudaSuccess) throw std::runtime_error("cudaDeviceSynchronize failed while tracing");
    PB_CUPTI_CHECK(cuptiGetTimestamp(&split));
    fn();
  } catch (...) {
    cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL);
    cuptiActivityFlushAll(1);
    std::lock_guard<std::mutex> lk(g_mutex);
    g_sink = nullptr;
    throw;
  }
  if (cudaDeviceSynchronize() != cudaSuccess) throw std::runtime_error("cudaDeviceSynchronize failed while tracing");
  PB_CUPTI_CHECK(cuptiActivityDisable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL));
  PB_CUPTI_CHECK(cuptiActivityFlushAll(1));
  {
    std::lock_guard<std::mutex> lk(g_mutex);
    g_sink = nullptr;
  }
  out.erase(std::remove_if(out.begin(), out.end(), [&](const KernelRecord& k) { return k.start_ns < split; }), out.end());
  std::sort(out.begin(), out.end(), [](const KernelRecord& a, const KernelRecord& b) { return a.start_ns < b.start_ns; });
  return out;
}

#else

bool cupti_available(std::string& why) {
  why = "this build has no CUDA (and so no CUPTI)";
  return false;
}
std::vector<KernelRecord> trace_kernels(const std::function<void()>&) {
  throw std::runtime_error("this build has no CUDA (and so no CUPTI)");
}

#endif

}  // namespace pb
