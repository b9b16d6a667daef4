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

// `--help` or `-h` anywhere on a command line: main prints `text` to stdout and exits 0.
struct HelpRequested {
  std::string text;
};

// One option of a command. `value` names the option's argument ("N", "FILE.json"); empty for a switch. `help` is
// one line and states the default.
struct OptionSpec {
  std::string name, value, help;
};

// What a command accepts and how it explains itself: the parser and `--help` are made from the same table.
struct CommandSpec {
  std::string name;      // as typed: "run", "workload dump"
  std::string synopsis;  // after the name: "--pipeline P --mode M ..." (required options first)
  std::string summary;   // one line for the command list
  std::vector<OptionSpec> options;
  std::string notes;     // optional lines after the options (examples, exit status)
};

std::string help_text(const CommandSpec& spec);

// `--key value`, `--key=value` and `--flag` after the subcommand words; anything the spec does not name is a
// UsageError listing the valid options.
class Args {
 public:
  Args(const std::vector<std::string>& argv, const CommandSpec& spec);
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
// A finite number written plainly (no spaces, no nan or inf); UsageError naming `what` otherwise.
double parse_finite(const std::string& what, const std::string& s);

// Throws UsageError unless a results file can be created at `path` (checked before any work is done).
void check_writable(const std::string& path);

}  // namespace pb
