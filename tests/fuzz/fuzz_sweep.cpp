// libFuzzer harness: a sweep file as `prepbench run --sweep` reads and expands it. Arbitrary bytes must end in a
// UsageError naming the problem (or a valid case list), never a crash.
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_input.hpp"
#include "harness/cli_args.hpp"
#include "harness/sweep.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = pb::fuzz::write_input("sweep", ".json", data, size);
  if (path.empty()) return 0;
  try {
    const pb::SweepConfig c = pb::load_sweep_file(path);
    if (c.workloads.size() < 64) pb::expand_cases(c);  // a huge workload list only costs time
  } catch (const pb::UsageError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
