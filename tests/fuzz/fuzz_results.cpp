// libFuzzer harness: a results document as the gate and the export read it. Arbitrary bytes must end in a
// UsageError or std::runtime_error / std::invalid_argument naming the problem, never a crash, a stack overflow or
// an assertion (nested arrays, missing keys, wrong types, odd numbers).
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_input.hpp"
#include "harness/cli_args.hpp"
#include "harness/export_gbench.hpp"
#include "harness/gate.hpp"
#include "harness/results.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = pb::fuzz::write_input("results", ".json", data, size);
  if (path.empty()) return 0;
  try {
    const nlohmann::json doc = pb::read_results_file(path);
    pb::validate_results_document(doc);
    pb::gbench_document(doc);
    pb::GateOptions o;
    o.allow_different_hardware = true;
    pb::run_gate(doc, doc, o).markdown();
    if (doc["meta"].contains("ab")) pb::split_ab_document(doc);
  } catch (const std::invalid_argument&) {  // UsageError included
  } catch (const std::runtime_error&) {
  }
  return 0;
}
