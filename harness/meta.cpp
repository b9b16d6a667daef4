#include "harness/meta.hpp"

#include <unistd.h>

#include <ctime>
#include <fstream>
#include <sstream>

#include "harness/exec_backend.hpp"

#ifndef PB_BUILD_FLAGS
#define PB_BUILD_FLAGS "unknown"
#endif
#ifndef PB_CUDA_COMPILER
#define PB_CUDA_COMPILER "none"
#endif

namespace pb {

std::string utc_now_iso() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

static std::string nvidia_driver_version() {
  std::ifstream f("/proc/driver/nvidia/version");
  std::string line;
  if (!std::getline(f, line)) return "";
  std::istringstream s(line);  // "NVRM version: NVIDIA UNIX x86_64 Kernel Module  580.159.04  ..."
  std::string tok, prev;
  while (s >> tok) {
    if (prev == "Module") return tok;
    prev = tok;
  }
  return line;
}

nlohmann::json collect_meta(ExecBackend& cpu, ExecBackend* cuda, const std::string& command, double copy_ceiling_gbps) {
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  nlohmann::json m;
  m["gpu"] = nullptr;
  m["sm_count"] = nullptr;
  m["l2_bytes"] = nullptr;
  m["driver"] = nullptr;
  m["cuda"] = nullptr;
  if (cuda) {
    const nlohmann::json g = cuda->meta();
    for (auto it = g.begin(); it != g.end(); ++it) m[it.key()] = it.value();
    m["driver"] = nvidia_driver_version();
    m["cuda"] = g["cuda_runtime"];
  }
  m["host"] = host;
  m["cpu"] = cpu.meta();
  m["compiler"] = {{"cxx", __VERSION__}, {"cuda", PB_CUDA_COMPILER}};
  m["flags"] = PB_BUILD_FLAGS;
  m["commit"] = build_commit();
  m["dirty"] = build_dirty();
  m["command"] = command;
  m["date"] = utc_now_iso();
  m["copy_ceiling_gbps"] = cuda ? nlohmann::json(copy_ceiling_gbps) : nlohmann::json(nullptr);
  return m;
}

}  // namespace pb
