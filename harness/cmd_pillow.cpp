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
const CommandSpec& spec_pillow_resize() {
  static const CommandSpec spec{"pillow-resize", "--image IN.npy --size HxW [--filter F] --out OUT.npy",
                                "Pillow's Image.resize of one uint8 HWC image, bit-exact",
                                {{"image", "IN.npy", "uint8 HxWx3 image (required)"},
                                 {"size", "HxW", "output size (required)"},
                                 {"filter", "F", "bicubic, bilinear, lanczos, box or hamming (default bicubic)"},
                                 {"out", "OUT.npy", "where the uint8 HxWx3 result goes (required)"}},
                                ""};
  return spec;
}

int cmd_pillow_resize(const std::vector<std::string>& args) {
  Args a(args, spec_pillow_resize());
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
