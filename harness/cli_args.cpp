#include "harness/cli_args.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

namespace pb {

Args::Args(const std::vector<std::string>& argv, const std::set<std::string>& options,
           const std::set<std::string>& flags) {
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0) throw UsageError("unexpected argument '" + a + "'");
    std::string key = a.substr(2), value;
    const size_t eq = key.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
    }
    if (flags.count(key)) {
      if (inline_value) throw UsageError("--" + key + " takes no value");
      flags_.insert(key);
    } else if (options.count(key)) {
      if (!inline_value) {
        if (i + 1 >= argv.size()) throw UsageError("--" + key + " needs a value");
        value = argv[++i];
      }
      if (values_.count(key)) throw UsageError("--" + key + " given twice");
      values_[key] = value;
    } else {
      std::string valid;
      for (const auto& o : options) valid += " --" + o;
      for (const auto& f : flags) valid += " --" + f;
      throw UsageError("unknown option '" + a + "' (valid:" + valid + ")");
    }
  }
}

std::string Args::get(const std::string& key, const std::string& fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : it->second;
}

std::string Args::require(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end() || it->second.empty()) throw UsageError("missing required option --" + key);
  return it->second;
}

int Args::get_int(const std::string& key, int fallback, int lo, int hi) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno || v < lo || v > hi)
    throw UsageError("--" + key + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + it->second + "'");
  return int(v);
}

double Args::get_double(const std::string& key, double fallback) const {
  auto it = values_.find(key);
  if (it == values_.end()) return fallback;
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || errno) throw UsageError("--" + key + " must be a number, got '" + it->second + "'");
  return v;
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  size_t b = 0;
  for (size_t i = 0; i <= s.size(); ++i)
    if (i == s.size() || s[i] == ',') {
      if (i > b) out.push_back(s.substr(b, i - b));
      b = i + 1;
    }
  return out;
}

void check_writable(const std::string& path) {
  const std::string probe = path + ".probe-" + std::to_string(::getpid());
  std::ofstream f(probe);
  if (!f) throw UsageError("cannot write results to '" + path + "'");
  f.close();
  std::remove(probe.c_str());
}

}  // namespace pb
