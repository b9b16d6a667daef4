#include "harness/json_file.hpp"

#include <fstream>
#include <sstream>

#include "harness/cli_args.hpp"
#include "workloads/files.hpp"

namespace pb {

nlohmann::json read_json_file(const std::string& path, const std::string& what) {
  constexpr size_t kMaxBytes = size_t(1) << 30;
  size_t bytes = 0;
  try {
    bytes = check_regular_input(path);
  } catch (const FileError& e) {
    throw UsageError("cannot read " + what + " '" + path + "': " + e.what());
  }
  if (bytes > kMaxBytes) throw UsageError(what + " '" + path + "' is larger than 1 GiB");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw UsageError("cannot read " + what + " '" + path + "'");
  std::stringstream text;
  text << f.rdbuf();
  const auto depth_limit = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    if (depth > kMaxJsonDepth)
      throw UsageError(what + " '" + path + "' nests deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    return true;
  };
  try {
    return nlohmann::json::parse(text.str(), depth_limit);
  } catch (const nlohmann::json::exception& e) {
    throw UsageError(what + " '" + path + "' is not valid JSON (truncated or corrupt): " + e.what());
  }
}

std::string json_excerpt(const nlohmann::json& v, size_t max) {
  // dump() of a deep value recurses; the readers above bound the depth, and this is only called on their output
  std::string s = v.dump();
  if (s.size() > max) s = s.substr(0, max) + "...";
  return s;
}

}  // namespace pb
