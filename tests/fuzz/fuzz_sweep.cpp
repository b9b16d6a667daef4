// libFuzzer harness: a sweep file as `prepbench run --sweep` reads and expands it. Arbitrary bytes must end in a
// UsageError naming the problem (or a valid case list), never a crash.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "harness/cli_args.hpp"
#include "harness/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/prepbench-fuzz-sweep-" + std::to_string(getpid()) + ".json";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  try {
    const pb::SweepConfig c = pb::load_sweep_file(path);
    if (c.workloads.size() < 64) pb::expand_cases(c);  // a huge workload list only costs time
  } catch (const pb::UsageError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
