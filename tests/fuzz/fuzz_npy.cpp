// libFuzzer harness: the .npy reader on arbitrary bytes must answer with an NpyError or FileError, never crash,
// hang or read out of bounds (built with ASan and UBSan).
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "workloads/files.hpp"
#include "workloads/npy.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string path = "/tmp/prepbench-fuzz-npy-" + std::to_string(getpid()) + ".npy";
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);
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
