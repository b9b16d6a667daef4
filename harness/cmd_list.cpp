#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/pipeline.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/catalog_json.hpp"
#include "variants/variant.hpp"
#include "workloads/workload.hpp"

namespace pb {

namespace {

nlohmann::json list_json() {
  nlohmann::json doc = {{"schema", "prepbench.list/1"}};
  for (const auto& p : all_pipelines()) doc["pipelines"].push_back(pipeline_json(p));
  doc["modes"] = {"float", "hf", "pil"};
  doc["parity"] = parity_json();
  for (const auto& e : variant_registry()) doc["variants"].push_back(variant_json(e));
  doc["workloads"] = example_workloads();
  return doc;
}

}  // namespace

const CommandSpec& spec_list() {
  static const CommandSpec spec{"list", "[--json]", "pipelines, numerics modes, variants (backend, design), example workloads",
                                {{"json", "", "everything as one JSON document (what peers/ reads)"}}, ""};
  return spec;
}

int cmd_list(const std::vector<std::string>& args) {
  Args a(args, spec_list());
  if (a.flag("json")) {
    std::printf("%s\n", list_json().dump(1).c_str());
    return 0;
  }
  std::printf("pipelines:\n");
  for (const auto& p : all_pipelines()) std::printf("  %-20s %s  [%s]\n", p.name.c_str(), p.description.c_str(), p.source.c_str());
  std::printf("modes:\n  float                no intermediate rounding (torchvision on float32 input)\n"
              "  hf                   uint8 round+clamp after the resize, then HF's float32 rescale+normalize\n"
              "  pil                  Pillow's fixed-point resize, then HF's PIL-backend rescale+normalize (reference only)\n");
  std::printf("variants:\n");
  for (const auto& e : variant_registry())
    std::printf("  %-30s %-4s %s\n", e.name, backend_name(e.backend),
                e.built() ? e.make()->info().description.c_str() : (std::string("not built: ") + kNoCudaBuild).c_str());
  std::printf("workloads (<kind>-n<N>-<lo>[-<hi>], e.g.):\n");
  for (const auto& w : example_workloads()) std::printf("  %s\n", w.c_str());
  return 0;
}

}  // namespace pb
