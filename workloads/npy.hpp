#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/image.hpp"

namespace pb {

// Any problem with a .npy file or its contents: unreadable, truncated, garbled, wrong dtype or shape.
struct NpyError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct NpyArray {
  std::string descr;  // e.g. "|u1", "<f4"
  bool fortran_order = false;
  std::vector<size_t> shape;
  std::vector<char> data;
};

NpyArray read_npy(const std::string& path);
// A uint8 RGB image: (H, W, 3) for HWC, (3, H, W) for CHW; a leading batch axis of 1 is accepted.
Image read_image_npy(const std::string& path, Layout layout);

// Written with write_file_safely (workloads/files.hpp): atomic for regular files, through for devices; on failure
// nothing is left behind. A failure throws FileError.
void write_npy(const std::string& path, const std::string& descr, const std::vector<size_t>& shape,
               const void* data, size_t bytes);
void write_image_npy(const std::string& path, const Image& img);
void write_float_npy(const std::string& path, const std::vector<long long>& shape, const std::vector<float>& v);

// Writes text the same way, for JSON and manifests.
void write_text_atomic(const std::string& path, const std::string& text);

}  // namespace pb
