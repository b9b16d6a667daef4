#include "harness/catalog_json.hpp"

#include <set>

#include "harness/parity.hpp"
#include <stdexcept>

namespace pb {

// Every fact a peer needs to run a pipeline as prepbench defines it, so that Python declares none of them again.
nlohmann::json pipeline_json(const PipelineSpec& p) {
  nlohmann::json j = {{"name", p.name},       {"description", p.description}, {"source", p.source},
                      {"geometry", geometry_name(p.geometry)},                {"filter", filter_name(p.filter)},
                      {"antialias", p.antialias}, {"mean", p.mean},           {"std", p.std},
                      {"rescale", p.rescale}};
  switch (p.geometry) {
    case Geometry::FixedSize:
      j["size"] = {p.height, p.width};
      if (p.crop_height > 0) j["crop"] = {p.crop_height, p.crop_width};
      break;
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

namespace {

Filter parse_filter(const std::string& s) {
  for (Filter f : {Filter::Bilinear, Filter::Bicubic, Filter::Lanczos, Filter::Box, Filter::Hamming})
    if (s == filter_name(f)) return f;
  throw std::invalid_argument("unknown filter '" + s + "' (expected bilinear, bicubic, lanczos, box or hamming)");
}

template <typename T>
T field(const nlohmann::json& j, const char* key) {
  try {
    return j.at(key).get<T>();
  } catch (const nlohmann::json::exception&) {
    throw std::invalid_argument(std::string("spec field '") + key + "' has the wrong type: " + j.at(key).dump());
  }
}

std::array<int, 2> pair_field(const nlohmann::json& j, const char* key) {
  const auto v = field<std::vector<int>>(j, key);
  if (v.size() != 2) throw std::invalid_argument(std::string("spec field '") + key + "' needs 2 values (height, width)");
  return {v[0], v[1]};
}

std::array<double, 3> triple_field(const nlohmann::json& j, const char* key) {
  const auto v = field<std::vector<double>>(j, key);
  if (v.size() != 3) throw std::invalid_argument(std::string("spec field '") + key + "' needs 3 values (R, G, B)");
  return {v[0], v[1], v[2]};
}

}  // namespace

PipelineSpec spec_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::invalid_argument("a pipeline spec is a JSON object, not " + j.dump());
  static const std::set<std::string> known = {
      "pipeline", "name", "description", "source", "geometry", "filter", "antialias", "mean", "std", "rescale",
      "size", "shortest_edge", "crop", "patch", "merge", "temporal", "min_pixels", "max_pixels", "tile",
      "min_tiles", "max_tiles", "pinpoints", "base_size"};
  for (const auto& kv : j.items())
    if (!known.count(kv.key())) throw std::invalid_argument("unknown spec field '" + kv.key() + "'");
  PipelineSpec s;
  if (j.contains("pipeline")) {
    s = find_pipeline(field<std::string>(j, "pipeline"));
  } else if (!j.contains("geometry")) {
    throw std::invalid_argument("a spec names a \"pipeline\" or gives its \"geometry\"");
  } else {
    s.name = "custom";
  }
  if (j.contains("name")) s.name = field<std::string>(j, "name");
  if (j.contains("description")) s.description = field<std::string>(j, "description");
  if (j.contains("source")) s.source = field<std::string>(j, "source");
  if (j.contains("geometry")) s.geometry = parse_geometry(field<std::string>(j, "geometry"));
  if (j.contains("filter")) s.filter = parse_filter(field<std::string>(j, "filter"));
  if (j.contains("antialias")) s.antialias = field<bool>(j, "antialias");
  if (j.contains("mean")) s.mean = triple_field(j, "mean");
  if (j.contains("std")) s.std = triple_field(j, "std");
  if (j.contains("rescale")) s.rescale = field<double>(j, "rescale");
  if (j.contains("size")) std::tie(s.height, s.width) = std::tuple_cat(pair_field(j, "size"));
  if (j.contains("shortest_edge")) s.shortest_edge = field<int>(j, "shortest_edge");
  if (j.contains("crop")) std::tie(s.crop_height, s.crop_width) = std::tuple_cat(pair_field(j, "crop"));
  if (j.contains("patch")) s.patch = field<int>(j, "patch");
  if (j.contains("merge")) s.merge = field<int>(j, "merge");
  if (j.contains("temporal")) s.temporal = field<int>(j, "temporal");
  if (j.contains("min_pixels")) s.min_pixels = field<long long>(j, "min_pixels");
  if (j.contains("max_pixels")) s.max_pixels = field<long long>(j, "max_pixels");
  if (j.contains("tile")) s.tile = field<int>(j, "tile");
  if (j.contains("min_tiles")) s.min_tiles = field<int>(j, "min_tiles");
  if (j.contains("max_tiles")) s.max_tiles = field<int>(j, "max_tiles");
  if (j.contains("base_size")) s.base_size = field<int>(j, "base_size");
  if (j.contains("pinpoints")) {
    s.pinpoints.clear();
    for (const auto& pp : field<std::vector<std::vector<int>>>(j, "pinpoints")) {
      if (pp.size() != 2) throw std::invalid_argument("each pinpoint is (height, width)");
      s.pinpoints.push_back({pp[0], pp[1]});
    }
  }
  check_spec(s);
  return s;
}

nlohmann::json variant_json(const VariantEntry& e) {
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
  return v;
}

nlohmann::json parity_json() {
  return {{"float_tol", kFloatTol}, {"exact_tol", kExactTol}, {"hf_min_exact", kHfMinExact},
          {"hf_tol", "one uint8 step, 1 / (255 std), plus exact_tol"}};
}

}  // namespace pb
