#include <cstdio>

#include "core/pillow.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "workloads/npy.hpp"

namespace pb {

static Filter parse_filter(const std::string& s) {
  for (Filter f : {Filter::Bilinear, Filter::Bicubic, Filter::Lanczos, Filter::Box, Filter::Hamming})
    if (s == filter_name(f)) return f;
  throw UsageError("unknown filter '" + s + "' (valid: bilinear, bicubic, lanczos, box, hamming)");
}

// prepbench pillow-resize: Pillow's Image.resize((W, H), filter) on one uint8 HWC image, bit-exact, as uint8 HWC.
int cmd_pillow_resize(const std::vector<std::string>& args) {
  Args a(args, {"image", "size", "filter", "out"}, {});
  const Image img = read_image_npy(a.require("image"), Layout::HWC);
  const std::string size = a.require("size");
  int h = 0, w = 0;
  char tail = 0;
  if (std::sscanf(size.c_str(), "%dx%d%c", &h, &w, &tail) != 2 || h <= 0 || w <= 0 || h > (1 << 16) || w > (1 << 16))
    throw UsageError("--size must be HxW with positive sides, got '" + size + "'");
  const std::vector<uint8_t> chw = pillow_resize(img.view(), h, w, parse_filter(a.get("filter", "bicubic")));
  Image out;
  out.h = h;
  out.w = w;
  out.layout = Layout::CHW;
  out.pixels = chw;
  write_image_npy(a.require("out"), out.to_layout(Layout::HWC));
  return 0;
}

}  // namespace pb
