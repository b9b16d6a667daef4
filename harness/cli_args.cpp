#include "harness/cli_args.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "workloads/files.hpp"

namespace pb {

std::string help_text(const CommandSpec& spec) {
  std::string out = "usage: prepbench " + spec.name + (spec.synopsis.empty() ? "" : " " + spec.synopsis) + "\n" +
                    spec.summary + "\n";
  if (!spec.options.empty()) out += "\noptions:\n";
  size_t width = 0;
  for (const auto& o : spec.options) width = std::max(width, o.name.size() + (o.value.empty() ? 0 : o.value.size() + 1));
  for (const auto& o : spec.options) {
    std::string left = "--" + o.name + (o.value.empty() ? "" : " " + o.value);
    left.resize(width + 2, ' ');
    out += "  " + left + "  " + o.help + "\n";
  }
  out += "  --help, -h" + std::string(width > 8 ? width - 8 : 0, ' ') + "  this text\n";
  if (!spec.notes.empty()) out += "\n" + spec.notes + (spec.notes.back() == '\n' ? "" : "\n");
  return out;
}

Args::Args(const std::vector<std::string>& argv, const CommandSpec& spec) {
  for (const auto& a : argv)
    if (a == "--help" || a == "-h") throw HelpRequested{help_text(spec)};
  std::set<std::string> options, flags;
  for (const auto& o : spec.options) (o.value.empty() ? flags : options).insert(o.name);
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.rfind("--", 0) != 0)
      throw UsageError("unexpected argument '" + a + "' (prepbench " + spec.name + " --help lists the options)");
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
      for (const auto& o : spec.options) valid += " --" + o.name;
      throw UsageError("unknown option '" + a + "' for prepbench " + spec.name + " (valid:" + valid + " --help)");
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
  const std::string& s = it->second;
  const bool digits = !s.empty() && (std::isdigit((unsigned char)s[0]) || (s[0] == '-' && s.size() > 1));
  const long v = digits ? std::strtol(s.c_str(), &end, 10) : 0;  // strtol alone would take " 3" and "+3"
  if (!digits || *end != '\0' || errno || v < lo || v > hi)
    throw UsageError("--" + key + " must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                     "], got '" + it->second + "'");
  return int(v);
}

double Args::get_double(const std::string& key, double fallback) const {
  auto it = values_.find(key);
  return it == values_.end() ? fallback : parse_finite("--" + key, it->second);
}

double parse_finite(const std::string& what, const std::string& s) {
  char* end = nullptr;
  errno = 0;
  const bool numeric = !s.empty() && (std::isdigit((unsigned char)s[0]) || s[0] == '-' || s[0] == '.');
  const double v = numeric ? std::strtod(s.c_str(), &end) : 0.0;
  if (!numeric || *end != '\0' || errno || !std::isfinite(v))  // nan and inf would switch comparisons off
    throw UsageError(what + " must be a finite number, got '" + s + "'");
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
  try {
    check_writable_output(path);
  } catch (const FileError& e) {
    throw UsageError(e.what());
  }
}

}  // namespace pb
