#include "core/pipeline.hpp"

#include <cmath>
#include <stdexcept>

namespace pb {

const char* mode_name(Mode m) { return m == Mode::Float ? "float" : (m == Mode::Hf ? "hf" : "pil"); }

Mode parse_mode(const std::string& s) {
  if (s == "float") return Mode::Float;
  if (s == "hf") return Mode::Hf;
  if (s == "pil") return Mode::Pil;
  throw std::invalid_argument("unknown mode '" + s + "' (expected float, hf or pil)");
}

namespace {
// transformers: src/transformers/image_utils.py
constexpr std::array<double, 3> kClipMean{0.48145466, 0.4578275, 0.40821073};
constexpr std::array<double, 3> kClipStd{0.26862954, 0.26130258, 0.27577711};
constexpr std::array<double, 3> kImagenetMean{0.485, 0.456, 0.406};
constexpr std::array<double, 3> kImagenetStd{0.229, 0.224, 0.225};
constexpr std::array<double, 3> kHalf{0.5, 0.5, 0.5};

std::vector<PipelineSpec> make_pipelines() {
  std::vector<PipelineSpec> v;
  {
    PipelineSpec p;
    p.name = "siglip-so400m-384";
    p.description = "fixed 384x384 bicubic resize (aspect not kept), mean=std=0.5";
    p.source = "google/siglip-so400m-patch14-384, SiglipImageProcessor";
    p.geometry = Geometry::FixedSize;
    p.height = p.width = 384;
    p.mean = kHalf;
    p.std = kHalf;
    v.push_back(p);
  }
  {
    PipelineSpec p;
    p.name = "clip-vit-b32";
    p.description = "shortest edge 224 bicubic, center crop 224x224, OpenAI CLIP mean/std";
    p.source = "openai/clip-vit-base-patch32, CLIPImageProcessor";
    p.geometry = Geometry::ShortestEdgeCrop;
    p.shortest_edge = 224;
    p.crop_height = p.crop_width = 224;
    p.mean = kClipMean;
    p.std = kClipStd;
    v.push_back(p);
  }
  {
    PipelineSpec p;
    p.name = "dinov2-small";
    p.description = "shortest edge 256 bicubic, center crop 224x224, ImageNet mean/std";
    p.source = "facebook/dinov2-small, BitImageProcessor";
    p.geometry = Geometry::ShortestEdgeCrop;
    p.shortest_edge = 256;
    p.crop_height = p.crop_width = 224;
    p.mean = kImagenetMean;
    p.std = kImagenetStd;
    v.push_back(p);
  }
  {
    PipelineSpec p;
    p.name = "qwen2.5-vl-7b";
    p.description = "smart_resize to multiples of 28 within [3136, 12845056] pixels, bicubic, patch-major (N, 1176)";
    p.source = "Qwen/Qwen2.5-VL-7B-Instruct, Qwen2VLImageProcessor";
    p.geometry = Geometry::QwenSmartResize;
    p.min_pixels = 3136;
    p.max_pixels = 12845056;
    p.patch = 14;
    p.merge = 2;
    p.temporal = 2;
    p.mean = kClipMean;
    p.std = kClipStd;
    v.push_back(p);
  }
  {
    PipelineSpec p;
    p.name = "internvl3-448";
    p.description = "closest-aspect grid of 448x448 tiles (1..12) from one bicubic resize, thumbnail last, ImageNet mean/std";
    p.source = "OpenGVLab/InternVL3-*-hf, GotOcr2ImageProcessor(crop_to_patches) via InternVLProcessor";
    p.geometry = Geometry::InternVLTiles;
    p.tile = 448;
    p.min_tiles = 1;
    p.max_tiles = 12;
    p.mean = kImagenetMean;
    p.std = kImagenetStd;
    v.push_back(p);
  }
  {
    PipelineSpec p;
    p.name = "llava-next-336";
    p.description = "anyres: best pinpoint, aspect-kept bicubic resize, centred zero pad, 336 patches, base image first";
    p.source = "llava-hf/llava-v1.6-mistral-7b-hf, LlavaNextImageProcessor";
    p.geometry = Geometry::LlavaAnyres;
    p.pinpoints = {{336, 672}, {672, 336}, {672, 672}, {1008, 336}, {336, 1008}};
    p.base_size = 336;
    p.mean = kClipMean;
    p.std = kClipStd;
    v.push_back(p);
  }
  return v;
}
}  // namespace

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

Geometry parse_geometry(const std::string& s) {
  for (Geometry g : {Geometry::FixedSize, Geometry::ShortestEdgeCrop, Geometry::QwenSmartResize,
                     Geometry::InternVLTiles, Geometry::LlavaAnyres})
    if (s == geometry_name(g)) return g;
  throw std::invalid_argument("unknown geometry '" + s +
                              "' (expected fixed, shortest_edge_crop, qwen_smart_resize, internvl_tiles or "
                              "llava_anyres)");
}

void check_spec(const PipelineSpec& s) {
  auto need = [&](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(std::string(geometry_name(s.geometry)) + " needs " + what);
  };
  switch (s.geometry) {
    case Geometry::FixedSize:
      need(s.height > 0 && s.width > 0, "a positive height and width");
      need(s.crop_height >= 0 && s.crop_width >= 0 && (s.crop_height > 0) == (s.crop_width > 0),
           "a crop of two positive sides, or none");
      break;
    case Geometry::ShortestEdgeCrop:
      need(s.shortest_edge > 0, "a positive shortest_edge");
      need(s.crop_height > 0 && s.crop_width > 0, "a positive crop_height and crop_width");
      break;
    case Geometry::QwenSmartResize:
      need(s.patch > 0 && s.merge > 0 && s.temporal > 0, "positive patch, merge and temporal sizes");
      need(s.min_pixels > 0 && s.max_pixels >= s.min_pixels, "0 < min_pixels <= max_pixels");
      break;
    case Geometry::InternVLTiles:
      need(s.tile > 0 && s.min_tiles > 0 && s.max_tiles >= s.min_tiles, "tile > 0 and 0 < min_tiles <= max_tiles");
      break;
    case Geometry::LlavaAnyres:
      need(s.base_size > 0 && !s.pinpoints.empty(), "a positive base_size and at least one pinpoint");
      for (const auto& pp : s.pinpoints)
        need(pp[0] > 0 && pp[1] > 0 && pp[0] % s.base_size == 0 && pp[1] % s.base_size == 0,
             "pinpoints that are positive multiples of base_size");
      break;
  }
  for (int c = 0; c < 3; ++c) {
    if (!std::isfinite(s.mean[c]) || !std::isfinite(s.std[c]) || s.std[c] == 0.0)
      throw std::invalid_argument("image_mean and image_std must be finite and image_std non-zero (channel " +
                                  std::to_string(c) + ": mean " + std::to_string(s.mean[c]) + ", std " +
                                  std::to_string(s.std[c]) + ")");
  }
  if (!std::isfinite(s.rescale) || s.rescale <= 0.0)
    throw std::invalid_argument("rescale_factor must be finite and positive, not " + std::to_string(s.rescale));
}

const std::vector<PipelineSpec>& all_pipelines() {
  static const std::vector<PipelineSpec> v = make_pipelines();
  return v;
}

const PipelineSpec& find_pipeline(const std::string& name) {
  std::string names;
  for (const auto& p : all_pipelines()) {
    if (p.name == name) return p;
    names += (names.empty() ? "" : ", ") + p.name;
  }
  throw std::invalid_argument("unknown pipeline '" + name + "' (valid: " + names + ")");
}

}  // namespace pb
