#pragma once
#include <array>
#include <stdexcept>
#include <vector>
#include <string>

#include "core/image.hpp"

namespace pb {

// A shape a pipeline cannot take (zero size, Qwen aspect ratio over 200, ...).
struct GeometryError : std::invalid_argument {
  using std::invalid_argument::invalid_argument;
};

// transformers get_resize_output_image_size with size={"shortest_edge": S} (= torchvision
// _compute_resized_output_size): the long side is trunc(S * long / short) in double.
ImageShape shortest_edge_size(ImageShape in, int shortest_edge);

// A rectangle of the resized image; y0/x0 may be negative and the rectangle may run past the image, where the
// pipeline pads (zeros in uint8, before normalization).
struct Window {
  int y0 = 0, x0 = 0, h = 0, w = 0;
};

// transformers 5.x center crop: top = floor((H - ch) / 2) when the image is large enough; when the crop is
// larger, torchvision pads (ch - H) // 2 on top / left first.
Window center_crop_window(ImageShape in, int crop_h, int crop_w);

// Qwen2-VL smart_resize (transformers 5.x), all in double. Throws GeometryError on aspect ratio > 200.
ImageShape smart_resize(int h, int w, int factor, long long min_pixels, long long max_pixels);

// InternVL / GotOcr2 get_optimal_tiled_canvas: (columns, rows) of tiles whose aspect ratio is closest to the
// image's; ties favour more tiles while the image area exceeds half the tiles' area.
struct TileGrid {
  int cols = 1, rows = 1;
};
TileGrid internvl_grid(ImageShape in, int tile, int min_tiles, int max_tiles);

// LLaVA-NeXT select_best_resolution: the pinpoint (h, w) keeping the most effective pixels, then the least waste.
ImageShape llava_best_resolution(ImageShape in, const std::vector<std::array<int, 2>>& pinpoints);
// get_patch_output_size: aspect-kept size that fits the target, the longer side filling it.
ImageShape llava_fit_size(ImageShape in, ImageShape target);

}  // namespace pb
