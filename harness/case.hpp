#pragma once
// One measured case: the value every command, the runner, the results and the gate agree on. Each axis is a
// typed field, parsed once (the workload too), and the case's key and repro line are made here and nowhere else.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/image.hpp"
#include "core/pipeline.hpp"
#include "variants/variant.hpp"
#include "workloads/workload.hpp"

namespace pb {

// How a GPU repetition launches the variant: on a stream, or as one replay of a CUDA graph captured in setup.
enum class LaunchMode { Stream, Graph };
const char* launch_name(LaunchMode l);  // "stream" | "cuda_graph" (the records' `launch` field)
LaunchMode parse_launch(const std::string& s);  // "stream" | "graph" | "cuda_graph"; UsageError otherwise

// nchw: the pipeline's own output layout (Qwen's patch rows stay rows); nhwc: channels last.
enum class OutLayout { Native, ChannelsLast };
const char* out_layout_arg(OutLayout o);  // "nchw" | "nhwc", as --out-layouts takes them
OutLayout parse_out_layout(const std::string& s);  // UsageError for anything else

struct Case {
  std::string variant, pipeline;
  WorkloadSpec workload;
  Layout layout = Layout::HWC;
  DType dtype = DType::F32;
  Mode mode = Mode::Hf;
  OutLayout out = OutLayout::Native;
  LaunchMode launch = LaunchMode::Stream;

  Case() = default;
  // The workload by name (parsed here; std::invalid_argument when it is not a workload name).
  Case(std::string variant, std::string pipeline, const std::string& workload, Layout layout, DType dtype, Mode mode,
       OutLayout out = OutLayout::Native, LaunchMode launch = LaunchMode::Stream);

  Backend backend() const { return find_variant(variant).backend; }
  // variant/pipeline/workload/layout/dtype/mode, then /cuda_graph and /nhwc where they apply.
  std::string key() const;
  // The `prepbench run` selection flags that select exactly this case.
  std::string selection_args() const;
};

// The key of a record in a results document (the same string as Case::key of the case it measured). A record of
// an end-to-end strategy other than the kernel alone carries its `measure` too (/e2e_overlap, ...).
std::string record_key(const nlohmann::json& record);

}  // namespace pb
