#pragma once
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace pb {

// Bad command-line input: reported as one line on stderr with exit status 2.
struct UsageError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// `--key value` options and `--flag` switches after the subcommand words; anything unknown is a UsageError.
class Args {
 public:
  Args(const std::vector<std::string>& argv, const std::set<std::string>& options, const std::set<std::string>& flags);
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  std::string get(const std::string& key, const std::string& fallback) const;
  std::string require(const std::string& key) const;
  int get_int(const std::string& key, int fallback, int lo, int hi) const;
  double get_double(const std::string& key, double fallback) const;
  bool flag(const std::string& key) const { return flags_.count(key) > 0; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> flags_;
};

std::vector<std::string> split_list(const std::string& s);  // "a,b,,c" -> {a, b, c}

// Throws UsageError unless a results file can be created at `path` (checked before any work is done).
void check_writable(const std::string& path);

}  // namespace pb
