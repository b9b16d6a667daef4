#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/pipeline.hpp"
#include "harness/case.hpp"
#include "harness/cli_args.hpp"
#include "variants/variant.hpp"

namespace pb {

struct SweepConfig {
  std::vector<std::string> variants{"*"};
  std::vector<std::string> pipelines{"*"};
  std::vector<std::string> workloads{"ragged-n8-384-1024"};
  std::vector<std::string> layouts{"hwc"};
  std::vector<std::string> dtypes{"fp32"};
  std::vector<std::string> modes{"hf"};
  std::vector<std::string> out_layouts{"nchw"};  // nchw: the pipeline's own output; nhwc: channels last
  std::vector<std::string> launches{"stream"};   // GPU: stream, or graph (a CUDA graph replay per repetition)
  int gpu_reps = 30;
  int cpu_reps = 5;
  int warmup = 2;
  bool warm_l2 = false;
  std::string description;
};

// The case-selection options shared by run, profile and e2e (--variants ... --modes); their help shows `defaults`.
std::vector<OptionSpec> selection_options(const SweepConfig& defaults);
// Overrides the fields of `cfg` that the selection options given on the command line name.
void apply_selection(const Args& a, SweepConfig& cfg);

// Reads a sweep file (JSON object). Unknown keys and bad values are UsageErrors naming the valid keys.
SweepConfig load_sweep_file(const std::string& path);

// The one place a sweep becomes cases. Globs (variants, pipelines) are matched against the registry and the
// pipeline list; workloads are parsed here, once. The order is workload-major, so that images and references are
// made once per workload. The launch axis applies to CUDA variants only: a CPU variant is run once, on its own.
std::vector<Case> expand_cases(const SweepConfig& c);
bool glob_match(const std::string& pattern, const std::string& name);

}  // namespace pb
