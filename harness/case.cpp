#include "harness/case.hpp"

#include <nlohmann/json.hpp>

#include "harness/cli_args.hpp"

namespace pb {

namespace {

std::string key_of(const std::string& variant, const std::string& pipeline, const std::string& workload,
                   const std::string& layout, const std::string& dtype, const std::string& mode, bool graph, bool nhwc) {
  return variant + "/" + pipeline + "/" + workload + "/" + layout + "/" + dtype + "/" + mode +
         (graph ? "/cuda_graph" : "") + (nhwc ? "/nhwc" : "");
}

}  // namespace

const char* launch_name(LaunchMode l) { return l == LaunchMode::Graph ? "cuda_graph" : "stream"; }

LaunchMode parse_launch(const std::string& s) {
  if (s == "stream") return LaunchMode::Stream;
  if (s == "graph" || s == "cuda_graph") return LaunchMode::Graph;
  throw UsageError("unknown launch '" + s + "' (valid: stream, graph)");
}

const char* out_layout_arg(OutLayout o) { return o == OutLayout::ChannelsLast ? "nhwc" : "nchw"; }

OutLayout parse_out_layout(const std::string& s) {
  if (s == "nchw") return OutLayout::Native;
  if (s == "nhwc") return OutLayout::ChannelsLast;
  throw UsageError("unknown output layout '" + s + "' (valid: nchw, nhwc)");
}

Case::Case(std::string v, std::string p, const std::string& w, Layout l, DType d, Mode m, OutLayout o, LaunchMode la)
    : variant(std::move(v)), pipeline(std::move(p)), workload(parse_workload(w)), layout(l), dtype(d), mode(m),
      out(o), launch(la) {}

std::string Case::key() const {
  return key_of(variant, pipeline, workload.name, layout_name(layout), dtype_name(dtype), mode_name(mode),
                launch == LaunchMode::Graph, out == OutLayout::ChannelsLast);
}

std::string Case::selection_args() const {
  return "--variants " + variant + " --pipelines " + pipeline + " --workloads " + workload.name + " --layouts " +
         layout_name(layout) + " --dtypes " + dtype_name(dtype) + " --modes " + mode_name(mode) +
         (out == OutLayout::ChannelsLast ? " --out-layouts nhwc" : "") +
         (launch == LaunchMode::Graph ? " --launches graph" : "");
}

std::string record_key(const nlohmann::json& r) {
  const std::string measure = r.value("measure", "kernel");
  return key_of(r.value("variant", "?"), r.value("pipeline", "?"), r.value("workload", "?"), r.value("layout", "?"),
                r.value("dtype", "?"), r.value("mode", "?"), r.value("launch", "") == "cuda_graph",
                r.value("out_layout", "") == "nhwc") +
         (measure == "kernel" ? "" : "/" + measure);
}

}  // namespace pb
