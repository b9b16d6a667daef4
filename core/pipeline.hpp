#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/resample.hpp"

namespace pb {

// Numerics contract (DESIGN.md): `float` = no intermediate rounding (torchvision on float32 input);
// `hf` = torchvision's uint8 round+clamp after the resize, then HF's fused rescale+normalize in float32.
enum class Mode { Float, Hf };
const char* mode_name(Mode m);
Mode parse_mode(const std::string& s);  // throws std::invalid_argument

enum class Geometry {
  FixedSize,         // resize straight to (height, width); aspect not kept (SigLIP)
  ShortestEdgeCrop,  // shortest edge to S, then center crop (CLIP, DINOv2)
  QwenSmartResize,   // smart_resize to multiples of patch*merge, then patch-major rows (Qwen2-VL / 2.5-VL)
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
  int crop_height = 0, crop_width = 0;
  long long min_pixels = 0, max_pixels = 0;  // QwenSmartResize
  int patch = 0, merge = 0, temporal = 0;
  std::array<double, 3> mean{};
  std::array<double, 3> std{};
  double rescale = 1.0 / 255.0;
};

const std::vector<PipelineSpec>& all_pipelines();
// throws std::invalid_argument listing the valid names
const PipelineSpec& find_pipeline(const std::string& name);

}  // namespace pb
