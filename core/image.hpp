#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace pb {

// HWC interleaved is what image decoders produce; CHW is what torchvision tensors use.
enum class Layout { HWC, CHW };

const char* layout_name(Layout l);
Layout parse_layout(const std::string& s);  // throws std::invalid_argument

struct ImageShape {
  int h = 0;
  int w = 0;
  bool operator==(const ImageShape& o) const { return h == o.h && w == o.w; }
};

// A read-only uint8 RGB image. Channel count is fixed at 3 (every pipeline converts to RGB first).
struct ImageView {
  const uint8_t* data = nullptr;
  int h = 0;
  int w = 0;
  Layout layout = Layout::HWC;

  static constexpr int channels = 3;
  size_t bytes() const { return size_t(h) * size_t(w) * channels; }
  ImageShape shape() const { return {h, w}; }
  uint8_t at(int c, int y, int x) const {
    return layout == Layout::HWC ? data[(size_t(y) * w + x) * 3 + c] : data[(size_t(c) * h + y) * w + x];
  }
};

// Owning image, used by workloads and tests.
struct Image {
  std::vector<uint8_t> pixels;
  int h = 0;
  int w = 0;
  Layout layout = Layout::HWC;

  ImageView view() const { return {pixels.data(), h, w, layout}; }
  ImageShape shape() const { return {h, w}; }
  Image to_layout(Layout target) const;
};


}  // namespace pb
