#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/resample.hpp"

namespace pb {

// Numerics contract (DESIGN.md): `float` = no intermediate rounding (torchvision on float32 input);
// `hf` = torchvision's uint8 round+clamp after the resize, then HF's fused rescale+normalize in float32;
// `pil` = Pillow's fixed-point resize (uint8 between the passes), then HF's PIL-backend rescale + normalize.
enum class Mode { Float, Hf, Pil };
const char* mode_name(Mode m);
Mode parse_mode(const std::string& s);  // throws std::invalid_argument

enum class Geometry {
  FixedSize,         // resize straight to (height, width); aspect not kept (SigLIP)
  ShortestEdgeCrop,  // shortest edge to S, then center crop (CLIP, DINOv2)
  QwenSmartResize,   // smart_resize to multiples of patch*merge, then patch-major rows (Qwen2-VL / 2.5-VL)
  InternVLTiles,     // closest-aspect grid of tiles cut from one resized canvas, thumbnail last (InternVL)
  LlavaAnyres,       // best-fit pinpoint, aspect-kept resize, centred zero padding, patches; base image first
};

struct PipelineSpec {
  std::string name;
  std::string description;
  std::string source;  // the checkpoint / processor class whose defaults these are
  Geometry geometry = Geometry::FixedSize;
  Filter filter = Filter::Bicubic;
  bool antialias = true;
  int height = 0, width = 0;      // FixedSize
  int shortest_edge = 0;          // ShortestEdgeCrop
  int crop_height = 0, crop_width = 0;  // ShortestEdgeCrop; FixedSize: a center crop after the resize when > 0
  long long min_pixels = 0, max_pixels = 0;  // QwenSmartResize
  int patch = 0, merge = 0, temporal = 0;
  int tile = 0, min_tiles = 0, max_tiles = 0;          // InternVLTiles (tile = side of a tile and the thumbnail)
  std::vector<std::array<int, 2>> pinpoints;           // LlavaAnyres: (height, width), in list order
  int base_size = 0;                                   // LlavaAnyres: the base image and the patch side
  std::array<double, 3> mean{};
  std::array<double, 3> std{};
  double rescale = 1.0 / 255.0;
};

const std::vector<PipelineSpec>& all_pipelines();
// A spec built by a caller (the Python package's cv-utils-compatible functions) rather than taken from the list:
// throws std::invalid_argument naming the first field its geometry needs and lacks (a size, a finite non-zero std).
void check_spec(const PipelineSpec& spec);
const char* geometry_name(Geometry g);
Geometry parse_geometry(const std::string& s);  // throws std::invalid_argument listing the names
// throws std::invalid_argument listing the valid names
const PipelineSpec& find_pipeline(const std::string& name);

}  // namespace pb
