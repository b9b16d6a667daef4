#include "core/image.hpp"

#include <stdexcept>

namespace pb {

const char* layout_name(Layout l) { return l == Layout::HWC ? "hwc" : "chw"; }

Layout parse_layout(const std::string& s) {
  if (s == "hwc") return Layout::HWC;
  if (s == "chw") return Layout::CHW;
  throw std::invalid_argument("unknown layout '" + s + "' (expected hwc or chw)");
}

Image Image::to_layout(Layout target) const {
  if (target == layout) return *this;
  Image out;
  out.h = h;
  out.w = w;
  out.layout = target;
  out.pixels.resize(pixels.size());
  const ImageView src = view();
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) {
        const size_t dst = target == Layout::HWC ? (size_t(y) * w + x) * 3 + c : (size_t(c) * h + y) * w + x;
        out.pixels[dst] = src.at(c, y, x);
      }
  return out;
}

}  // namespace pb
