// libFuzzer harness: the .npy reader on arbitrary bytes must answer with an NpyError or FileError, never crash,
// hang or read out of bounds (built with ASan and UBSan).
#include <cstdint>
#include <string>

#include "tests/fuzz/fuzz_input.hpp"
#include "workloads/files.hpp"
#include "workloads/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string path = pb::fuzz::write_input("npy", ".npy", data, size);
  if (path.empty()) return 0;
  for (pb::Layout l : {pb::Layout::HWC, pb::Layout::CHW}) {
    try {
      const pb::Image img = pb::read_image_npy(path, l);
      if (img.pixels.size() != size_t(img.h) * size_t(img.w) * 3) __builtin_trap();
    } catch (const pb::NpyError&) {
    } catch (const pb::FileError&) {
    }
  }
  return 0;
}
