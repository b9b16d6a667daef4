#include "harness/meta.hpp"

#include <unistd.h>

#include <cctype>
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

// "/proc/driver/nvidia/version" reads e.g. "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04
// Release Build ...": the driver is the first dotted number token.
std::string parse_driver_version(const std::string& line) {
  std::istringstream s(line);
  std::string tok;
  while (s >> tok) {
    const bool dotted = tok.find('.') != std::string::npos && tok.find_first_not_of("0123456789.") == std::string::npos;
    if (dotted && std::isdigit(static_cast<unsigned char>(tok[0]))) return tok;
  }
  return "";
}

static std::string nvidia_driver_version() {
  std::ifstream f("/proc/driver/nvidia/version");
  std::string line;
  return std::getline(f, line) ? parse_driver_version(line) : "";
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
