#pragma once
// Pillow's 8-bit resampling, exactly (SPEC.md §2; python-pillow/Pillow src/libImaging/Resample.c): double weights
// as the antialiased table, quantised to 22-bit fixed point; horizontal pass first into a uint8 image, then the
// vertical pass; a pass whose axis is unchanged is skipped; round half up, clamp to [0, 255].
#include <cstdint>
#include <vector>

#include "core/image.hpp"
#include "core/resample.hpp"

namespace pb {

constexpr int kPillowPrecisionBits = 22;

struct FixedTable {
  int stride = 0;
  std::vector<int> start, count;
  std::vector<int32_t> k;  // k[i * stride + j]
};
FixedTable pillow_fixed_table(int in, int out, Filter f);

// The image resized to (rh, rw) as Pillow's Image.resize((rw, rh), filter) returns it, channels first (3, rh, rw).
std::vector<uint8_t> pillow_resize(const ImageView& src, int rh, int rw, Filter f);
// Rows [ya, yb) x columns [xa, xb) of that image, (3, yb - ya, xb - xa), bit for bit: each output pixel depends only
// on its own taps, and the horizontal pass runs over just the source rows the vertical pass reads (as Pillow's
// own box does). The memory and time follow the window, not the resized size: a 1 x 100000 image's CLIP crop is
// 224 x 224, while its shortest-edge resize would be 224 x 22.4 M.
std::vector<uint8_t> pillow_resize_window(const ImageView& src, int rh, int rw, Filter f, int ya, int yb, int xa,
                                          int xb);

}  // namespace pb
