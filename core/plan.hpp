#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/geometry.hpp"
#include "core/pipeline.hpp"

namespace pb {

enum class DstLayout {
  NCHW,         // each job fills one (3, h, w) slot of a (N, 3, H, W) tensor at element offset `dst`
  QwenPatches,  // each job fills (h/P)*(w/P) rows of a (rows, 3*T*P*P) tensor starting at row `dst`
  NHWC,         // channels last (HF's data_format="channels_last"): each job fills one (h, w, 3) slot at `dst`
};
const char* dst_layout_name(DstLayout l);

// One rectangle of the output: a resampled, rescaled, normalized window of one source image (DESIGN.md).
// Plain data so that it can be copied to the device as is.
struct Job {
  int src = 0;             // index of the source image in the batch
  int src_h = 0, src_w = 0;
  int rh = 0, rw = 0;      // size the source is (virtually) resized to
  int y0 = 0, x0 = 0;      // window origin in resized coordinates; may be negative (padding)
  int h = 0, w = 0;        // window size = the size of this job's output block
  long long dst = 0;       // NCHW: element offset; QwenPatches: first row
  float pad[3] = {0, 0, 0};  // written where the window leaves the resized image (already normalized)
};

// Constants of the fused rescale + normalize epilogue, per channel.
struct Epilogue {
  bool hf = false;               // quantize to uint8 (rne, clamp) before normalizing, as HF does
  bool pil = false;              // values arrive as Pillow's uint8; fl32(fl32(f64(x) / 255) - mean_f) / std_f
  std::array<double, 3> mean{};  // float mode, reference: (v / 255 - mean) / std in double
  std::array<double, 3> std{};
  std::array<float, 3> scale{};  // float mode, kernels: v * scale + bias (1/(255 std), -mean/std)
  std::array<float, 3> bias{};
  std::array<float, 3> mean255{};  // hf mode: fl32(fl32(q - mean255) / std255), mean255 = fl32(fl32(mean) * 255)
  std::array<float, 3> std255{};
  std::array<float, 3> mean_f{};    // pil mode: float32 mean and std, as HF's PIL backend normalizes
  std::array<float, 3> std_f{};
  std::array<float, 3> pad{};      // the normalized value of a zero uint8 padding pixel, in this mode (the
                                   // planner copies it into each job's pad; batch padding jobs use 0.0 instead)
};

struct QwenGrid {
  int patch = 0, merge = 0, temporal = 0;
  int row_elems() const { return 3 * temporal * patch * patch; }
};

struct Plan {
  std::string pipeline;
  Mode mode = Mode::Float;
  Filter filter = Filter::Bicubic;
  bool antialias = true;
  DstLayout layout = DstLayout::NCHW;
  QwenGrid qwen;
  Epilogue epilogue;
  std::vector<ImageShape> inputs;
  std::vector<Job> jobs;
  std::vector<long long> out_shape;  // shaped exactly as the HF processor returns pixel_values
  long long out_elems = 0;
  std::vector<std::array<long long, 3>> grid_thw;  // Qwen's image_grid_thw, one row per image
  std::vector<long long> num_patches;               // InternVL: tiles (+ thumbnail) per image
  std::vector<std::array<long long, 2>> image_sizes;  // LLaVA-NeXT: original (height, width) per image

  long long output_bytes_fp32() const { return out_elems * 4; }
  long long input_bytes() const;
};

// Throws std::invalid_argument (GeometryError for shapes the pipeline rejects) on bad input.
Plan make_plan(const PipelineSpec& spec, const std::vector<ImageShape>& inputs, Mode mode);
Epilogue make_epilogue(const PipelineSpec& spec, Mode mode);
// Channels-last output: the same slots, each (h, w, 3), and the channel axis of out_shape moved last, as HF's
// data_format="channels_last" returns pixel_values. Throws std::invalid_argument for Qwen's patch rows, which
// have no channel axis to move.
void to_channels_last(Plan& p);

}  // namespace pb
