#pragma once
#include <array>
#include <string>
#include <vector>

#include "core/epilogue.hpp"
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
  // Set by the planner from the tables: plan.tables[htab] resizes src_w -> rw, plan.tables[vtab] src_h -> rh; the
  // window's part inside the resized image is rows [ya, yb) x columns [xa, xb) (resized coordinates, empty for a
  // pure padding job), and its vertical pass reads source rows [r0, r1).
  int htab = 0, vtab = 0;
  int ya = 0, yb = 0, xa = 0, xb = 0;
  int r0 = 0, r1 = 0;
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
  std::array<double, 3> mean{}, std{};  // the pipeline's, for the float64 reference
  std::vector<ImageShape> inputs;
  std::vector<Job> jobs;
  std::vector<WeightTable> tables;  // every (in, out) table the jobs use, once, in float64 (SPEC.md §1)
  std::vector<long long> out_shape;  // shaped exactly as the HF processor returns pixel_values
  long long out_elems = 0;
  std::vector<std::array<long long, 3>> grid_thw;  // Qwen's image_grid_thw, one row per image
  std::vector<long long> num_patches;               // InternVL: tiles (+ thumbnail) per image
  std::vector<std::array<long long, 2>> image_sizes;  // LLaVA-NeXT: original (height, width) per image

  long long input_bytes() const;
  const WeightTable& htable(const Job& j) const { return tables[size_t(j.htab)]; }
  const WeightTable& vtable(const Job& j) const { return tables[size_t(j.vtab)]; }
};

// Throws std::invalid_argument (GeometryError for shapes the pipeline rejects) on bad input.
// `targets` (Qwen only; empty: smart_resize of each image) gives each image's resized size, as cv-utils'
// resize_normalize_patchify takes it: each side a positive multiple of patch * merge.
Plan make_plan(const PipelineSpec& spec, const std::vector<ImageShape>& inputs, Mode mode,
               const std::vector<ImageShape>& targets = {});
// Channels-last output: the same slots, each (h, w, 3), and the channel axis of out_shape moved last, as HF's
// data_format="channels_last" returns pixel_values. Throws std::invalid_argument for Qwen's patch rows, which
// have no channel axis to move.
void to_channels_last(Plan& p);

}  // namespace pb
