#include "harness/sweep.hpp"

#include <fnmatch.h>

#include <algorithm>

#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "harness/cli_args.hpp"
#include "harness/json_file.hpp"
#include "workloads/workload.hpp"

namespace pb {

bool glob_match(const std::string& pattern, const std::string& name) {
  return fnmatch(pattern.c_str(), name.c_str(), 0) == 0;
}

namespace {

std::vector<std::string> string_list(const nlohmann::json& v, const std::string& key) {
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) throw UsageError("sweep key '" + key + "' must be a string or a list of strings");
  std::vector<std::string> out;
  for (const auto& e : v) {
    if (!e.is_string()) throw UsageError("sweep key '" + key + "' must list strings");
    out.push_back(e);
  }
  if (out.empty()) throw UsageError("sweep key '" + key + "' is empty");
  return out;
}

int positive(const nlohmann::json& v, const std::string& key, int lo) {
  if (!v.is_number_integer() || v.get<long long>() < lo || v.get<long long>() > 100000)
    throw UsageError("sweep key '" + key + "' must be an integer >= " + std::to_string(lo));
  return v.get<int>();
}

std::vector<std::string> select(const std::vector<std::string>& patterns, const std::vector<std::string>& names,
                                const std::string& what) {
  std::vector<std::string> out;
  for (const auto& p : patterns) {
    bool hit = false;
    for (const auto& n : names)
      if (glob_match(p, n)) {
        hit = true;
        if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
      }
    if (!hit) {
      std::string valid;
      for (const auto& n : names) valid += (valid.empty() ? "" : ", ") + n;
      throw UsageError("unknown " + what + " '" + p + "' (valid: " + valid + ")");
    }
  }
  return out;
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

std::vector<OptionSpec> selection_options(const SweepConfig& d) {
  return {{"variants", "GLOB,...", "variants to run, shell globs (default " + joined(d.variants) + "; `prepbench list`)"},
          {"pipelines", "GLOB,...", "pipelines, shell globs (default " + joined(d.pipelines) + ")"},
          {"workloads", "W,...", "workloads, <kind>-n<N>-<lo>[-<hi>] (default " + joined(d.workloads) + ")"},
          {"layouts", "L,...", "input layouts: hwc, chw (default " + joined(d.layouts) + ")"},
          {"dtypes", "D,...", "output dtypes: fp32, bf16 (default " + joined(d.dtypes) + ")"},
          {"modes", "M,...", "numerics: float, hf (default " + joined(d.modes) + ")"},
          {"out-layouts", "O,...", "output layouts: nchw, nhwc (channels last, HF data_format) (default " +
                                       joined(d.out_layouts) + ")"},
          {"launches", "L,...", "GPU launches: stream, graph (a CUDA graph replay per repetition) (default " +
                                    joined(d.launches) + ")"},
          {"cuda-graph", "", "the same as --launches graph"}};
}

void apply_selection(const Args& a, SweepConfig& cfg) {
  const std::pair<const char*, std::vector<std::string>*> fields[] = {
      {"variants", &cfg.variants}, {"pipelines", &cfg.pipelines}, {"workloads", &cfg.workloads},
      {"layouts", &cfg.layouts},   {"dtypes", &cfg.dtypes},       {"modes", &cfg.modes},
      {"out-layouts", &cfg.out_layouts}, {"launches", &cfg.launches}};
  for (const auto& [key, field] : fields)
    if (a.has(key)) *field = split_list(a.require(key));
  if (a.flag("cuda-graph")) {
    if (a.has("launches")) throw UsageError("give --launches or --cuda-graph, not both");
    cfg.launches = {"graph"};
  }
}

SweepConfig load_sweep_file(const std::string& path) {
  const nlohmann::json j = read_json_file(path, "sweep file");
  if (!j.is_object()) throw UsageError("sweep file '" + path + "' must hold a JSON object");
  static const std::set<std::string> keys = {"description", "variants", "pipelines",  "workloads", "layouts",
                                             "dtypes",      "modes",    "out_layouts", "launches",  "reps",
                                             "cpu_reps",    "warmup",   "warm_l2",     "cuda_graph"};
  SweepConfig c;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string k = it.key();
    if (!keys.count(k)) {
      std::string valid;
      for (const auto& v : keys) valid += (valid.empty() ? "" : ", ") + v;
      throw UsageError("unknown sweep key '" + k + "' in " + path + " (valid: " + valid + ")");
    }
    const auto& v = it.value();
    if (k == "description") c.description = v.is_string() ? v.get<std::string>() : "";
    else if (k == "variants") c.variants = string_list(v, k);
    else if (k == "pipelines") c.pipelines = string_list(v, k);
    else if (k == "workloads") c.workloads = string_list(v, k);
    else if (k == "layouts") c.layouts = string_list(v, k);
    else if (k == "dtypes") c.dtypes = string_list(v, k);
    else if (k == "modes") c.modes = string_list(v, k);
    else if (k == "out_layouts") c.out_layouts = string_list(v, k);
    else if (k == "launches") c.launches = string_list(v, k);
    else if (k == "reps") c.gpu_reps = positive(v, k, 1);
    else if (k == "cpu_reps") c.cpu_reps = positive(v, k, 1);
    else if (k == "warmup") c.warmup = positive(v, k, 0);
    else if (k == "cuda_graph") {  // older sweep files: "cuda_graph": true is "launches": ["graph"]
      if (!v.is_boolean()) throw UsageError("sweep key 'cuda_graph' must be true or false");
      if (v.get<bool>()) c.launches = {"graph"};
    } else if (k == "warm_l2") {
      if (!v.is_boolean()) throw UsageError("sweep key 'warm_l2' must be true or false");
      c.warm_l2 = v.get<bool>();
    }
  }
  return c;
}

std::vector<Case> expand_cases(const SweepConfig& c) {
  std::vector<std::string> variant_names, pipeline_names;
  for (const auto& e : variant_registry()) variant_names.push_back(e.name);
  for (const auto& p : all_pipelines()) pipeline_names.push_back(p.name);
  const auto variants = select(c.variants, variant_names, "variant");
  const auto pipelines = select(c.pipelines, pipeline_names, "pipeline");
  std::vector<WorkloadSpec> workloads;
  std::vector<Layout> layouts;
  std::vector<DType> dtypes;
  std::vector<Mode> modes;
  std::vector<OutLayout> outs;
  std::vector<LaunchMode> launches;
  try {
    for (const auto& w : c.workloads) workloads.push_back(parse_workload(w));
    for (const auto& l : c.layouts) layouts.push_back(parse_layout(l));
    for (const auto& d : c.dtypes) dtypes.push_back(parse_dtype(d));
    for (const auto& m : c.modes) modes.push_back(parse_mode(m));
  } catch (const UsageError&) {
    throw;
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  for (const auto& o : c.out_layouts) outs.push_back(parse_out_layout(o));
  for (const auto& l : c.launches) launches.push_back(parse_launch(l));
  std::vector<Case> cases;
  for (const auto& w : workloads)
    for (const auto& p : pipelines)
      for (Mode m : modes)
        for (Layout l : layouts)
          for (const auto& v : variants)
            for (DType d : dtypes)
              for (OutLayout o : outs)
                for (size_t li = 0; li < launches.size(); ++li) {
                  if (find_variant(v).backend == Backend::Cpu && li > 0) break;  // one CPU case, whatever the launch
                  Case k;
                  k.variant = v;
                  k.pipeline = p;
                  k.workload = w;
                  k.layout = l;
                  k.dtype = d;
                  k.mode = m;
                  k.out = o;
                  k.launch = find_variant(v).backend == Backend::Cpu ? LaunchMode::Stream : launches[li];
                  cases.push_back(k);
                }
  if (cases.empty()) throw UsageError("the sweep selects no cases");
  return cases;
}

}  // namespace pb
