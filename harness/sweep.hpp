#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/pipeline.hpp"
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
  int gpu_reps = 30;
  int cpu_reps = 5;
  int warmup = 2;
  bool warm_l2 = false;
  bool cuda_graph = false;
  std::string description;
};

// The case-selection options shared by run, profile and e2e (--variants ... --modes); their help shows `defaults`.
std::vector<OptionSpec> selection_options(const SweepConfig& defaults);
// Overrides the fields of `cfg` that the selection options given on the command line name.
void apply_selection(const Args& a, SweepConfig& cfg);

// Reads a sweep file (JSON object). Unknown keys and bad values are UsageErrors naming the valid keys.
SweepConfig load_sweep_file(const std::string& path);

struct Case {
  std::string variant, pipeline, workload;
  Layout layout;
  DType dtype;
  Mode mode;
  bool channels_last = false;  // nhwc output (HF's data_format="channels_last"); pipelines without it: unsupported
};

// Expands globs (variants, pipelines: against the registry / the pipeline list; workloads: exact names, checked by
// the parser) into the ordered case list: workload-major, so images and references are made once per workload.
std::vector<Case> expand_cases(const SweepConfig& c);
bool glob_match(const std::string& pattern, const std::string& name);
// "nchw" -> false, "nhwc" -> true; anything else is a UsageError.
bool parse_out_layout(const std::string& s);

}  // namespace pb
