#pragma once
// Runs the real prepbench binary, as a user would, and captures its exit status and output.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "../test_paths.hpp"

namespace pbtest {

struct CliResult {
  int status = -1;
  std::string out, err;
  int err_lines() const {
    int n = 0;
    for (char c : err) n += c == '\n';
    return n;
  }
};

inline std::string tmp_dir() {
  std::filesystem::create_directories(test_tmp());
  return test_tmp();
}

inline std::string slurp(const std::string& p) {
  std::ifstream f(p);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// `args` are prepbench's arguments, or with prepbench_prefix false a whole shell command (a timeout, a ulimit).
inline CliResult run_cli(const std::string& args, bool prepbench_prefix = true) {
  static int counter = 0;
  // ctest runs tests in parallel processes: the pid keeps their capture files apart
  const std::string base = tmp_dir() + "/cli_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  const std::string cmd =
      (prepbench_prefix ? prepbench_bin() + " " : "") + args + " >" + base + ".out 2>" + base + ".err </dev/null";
  const int rc = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + WTERMSIG(rc);
  r.out = slurp(base + ".out");
  r.err = slurp(base + ".err");
  return r;
}

}  // namespace pbtest
