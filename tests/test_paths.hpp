#pragma once
// Where the tests find goldens, the prepbench binary and scratch space: baked in at build time, overridable by the
// environment (PB_GOLDEN_DIR, PB_PREPBENCH_BIN, PB_TEST_TMP) when the build folder runs elsewhere (GPU machine).
#include <cstdlib>
#include <string>

namespace pbtest {

inline std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}
inline std::string golden_dir() { return env_or("PB_GOLDEN_DIR", PB_GOLDEN_DIR); }
inline std::string prepbench_bin() { return env_or("PB_PREPBENCH_BIN", PB_PREPBENCH_BIN); }
inline std::string test_tmp() { return env_or("PB_TEST_TMP", PB_TEST_TMP); }

}  // namespace pbtest
