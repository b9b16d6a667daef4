#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/pipeline.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/parity.hpp"
#include "variants/variant.hpp"
#include "workloads/workload.hpp"

namespace pb {

namespace {

const char* geometry_name(Geometry g) {
  switch (g) {
    case Geometry::FixedSize: return "fixed";
    case Geometry::ShortestEdgeCrop: return "shortest_edge_crop";
    case Geometry::QwenSmartResize: return "qwen_smart_resize";
    case Geometry::InternVLTiles: return "internvl_tiles";
    case Geometry::LlavaAnyres: return "llava_anyres";
  }
  return "?";
}

// Every fact a peer needs to run a pipeline as prepbench defines it, so that Python declares none of them again.
nlohmann::json pipeline_json(const PipelineSpec& p) {
  nlohmann::json j = {{"name", p.name},       {"description", p.description}, {"source", p.source},
                      {"geometry", geometry_name(p.geometry)},                {"filter", filter_name(p.filter)},
                      {"antialias", p.antialias}, {"mean", p.mean},           {"std", p.std},
                      {"rescale", p.rescale}};
  switch (p.geometry) {
    case Geometry::FixedSize: j["size"] = {p.height, p.width}; break;
    case Geometry::ShortestEdgeCrop:
      j["shortest_edge"] = p.shortest_edge;
      j["crop"] = {p.crop_height, p.crop_width};
      break;
    case Geometry::QwenSmartResize:
      j.update({{"patch", p.patch}, {"merge", p.merge}, {"temporal", p.temporal}, {"min_pixels", p.min_pixels},
                {"max_pixels", p.max_pixels}});
      break;
    case Geometry::InternVLTiles:
      j.update({{"tile", p.tile}, {"min_tiles", p.min_tiles}, {"max_tiles", p.max_tiles}});
      break;
    case Geometry::LlavaAnyres: j.update({{"pinpoints", p.pinpoints}, {"base_size", p.base_size}}); break;
  }
  return j;
}

nlohmann::json list_json() {
  nlohmann::json doc = {{"schema", "prepbench.list/1"}};
  for (const auto& p : all_pipelines()) doc["pipelines"].push_back(pipeline_json(p));
  doc["modes"] = {"float", "hf", "pil"};
  doc["parity"] = {{"float_tol", kFloatTol}, {"exact_tol", kExactTol}, {"hf_min_exact", kHfMinExact},
                   {"hf_tol", "one uint8 step, 1 / (255 std), plus exact_tol"}};
  for (const auto& e : variant_registry()) {
    nlohmann::json v = {{"name", e.name}, {"backend", backend_name(e.backend)}, {"built", e.built()}};
    if (e.built()) {
      const auto made = e.make();
      const VariantInfo& i = made->info();
      v["description"] = i.description;
      for (Layout l : i.layouts) v["layouts"].push_back(layout_name(l));
      for (DType d : i.dtypes) v["dtypes"].push_back(dtype_name(d));
      for (Mode m : i.modes) v["modes"].push_back(mode_name(m));
      v["pipelines"] = i.pipelines.empty() ? nlohmann::json("*") : nlohmann::json(i.pipelines);
    }
    doc["variants"].push_back(v);
  }
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
