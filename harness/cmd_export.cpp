// prepbench export: a results document in another tool's format.
#include <cstdio>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/export_gbench.hpp"
#include "harness/results.hpp"
#include "workloads/npy.hpp"

namespace pb {

const CommandSpec& spec_export() {
  static const CommandSpec spec{
      "export", "--format gbench --in RESULTS.json --out OUT.json",
      "a results document in Google Benchmark's JSON format (for its tools/compare.py)",
      {{"format", "F", "output format: gbench (Google Benchmark JSON; required)"},
       {"in", "RESULTS.json", "a prepbench results document (required)"},
       {"out", "OUT.json", "where the exported document goes (required)"}},
      "gbench: one benchmark per measured case, named like the gate's case key, with one iteration entry per\n"
      "timing sample (run_type iteration, repetitions, repetition_index, real_time and cpu_time in ms). prepbench\n"
      "measures device or wall time only, so cpu_time repeats real_time. Compare two exported runs with\n"
      "  /usr/share/benchmark/compare.py benchmarks A.json B.json   (Debian's libbenchmark-tools)"};
  return spec;
}

int cmd_export(const std::vector<std::string>& args) {
  Args a(args, spec_export());
  const std::string format = a.require("format");
  if (format != "gbench") throw UsageError("unknown export format '" + format + "' (valid: gbench)");
  const std::string out_path = a.require("out");
  const nlohmann::json doc = read_results_file(a.require("in"));
  try {
    validate_results_document(doc);
  } catch (const std::exception& e) {
    throw UsageError("'" + a.require("in") + "' is not a prepbench results document: " + e.what());
  }
  const nlohmann::json g = gbench_document(doc);
  write_text_atomic(out_path, g.dump(1) + "\n");
  std::printf("wrote %s: %zu benchmark entries from %zu records\n", out_path.c_str(), g["benchmarks"].size(),
              doc["records"].size());
  return 0;
}

}  // namespace pb
