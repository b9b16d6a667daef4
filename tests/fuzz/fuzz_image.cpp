// libFuzzer harness: the JPEG / PNG decoder (workloads/image_file.cpp: libjpeg, libpng and our EXIF reader) on
// arbitrary bytes answers with an image of consistent size or an ImageFileError, never a crash, a hang or an
// out-of-bounds read (built with ASan and UBSan).
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_input.hpp"
#include "workloads/image_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = pb::fuzz::write_input("image", "", data, size);
  if (path.empty()) return 0;
  try {
    const pb::Image img = pb::read_image_file(path, pb::Layout::HWC);
    if (img.h <= 0 || img.w <= 0 || img.pixels.size() != size_t(img.h) * size_t(img.w) * 3) __builtin_trap();
  } catch (const pb::ImageFileError&) {
  }
  return 0;
}
