#pragma once
#include <string>

#include <nlohmann/json.hpp>

namespace pb {

class ExecBackend;

const char* build_commit();  // generated at build time (cmake/gitinfo.cmake)
bool build_dirty();

// The results' meta block: GPU (when `cuda` is non-null), driver, CUDA, host, compiler, flags, commit, command,
// date, copy ceiling.
nlohmann::json collect_meta(ExecBackend& cpu, ExecBackend* cuda, const std::string& command, double copy_ceiling_gbps);
std::string utc_now_iso();
std::string parse_driver_version(const std::string& proc_version_line);

}  // namespace pb
