#pragma once
// Encoded images in: JPEG (libjpeg-turbo's libjpeg API, the library and settings Pillow decodes with) and PNG
// (libpng), to uint8 RGB exactly as `PIL.ImageOps.exif_transpose(Image.open(f)).convert("RGB")` gives it, which is
// what transformers' load_image hands the processors. Tested bit for bit against Pillow
// (tests/python/test_image_files.py).
//
//   JPEG: YCbCr and RGB (any subsampling, baseline or progressive, restart markers), grayscale (replicated to RGB),
//         the EXIF orientation applied (1..8). CMYK / YCCK JPEGs are refused (Pillow converts them with its own
//         naive formula; convert them to RGB first).
//   PNG:  8-bit and 16-bit RGB (16 bits: the high byte, as Pillow), RGBA and gray+alpha (alpha dropped, not
//         composited, as convert("RGB")), palette (with or without tRNS), gray of 1/2/4/8 bits (scaled to 0..255),
//         interlaced or not. 16-bit grayscale is refused (Pillow clamps it to 255, losing the image).
//   Truncated or corrupt files, and images over 178,956,970 pixels (Pillow's decompression-bomb limit), are
//   refused with one line naming the file.
#include <stdexcept>
#include <string>
#include <vector>

#include "core/image.hpp"

namespace pb {

struct ImageFileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// By content (magic bytes), not by name.
Image read_image_file(const std::string& path, Layout layout);
// The two halves of read_image_file, for timing them apart (prepbench e2e --from files): the file's bytes (a regular
// file only), and their decode (`path` names the image in messages).
std::vector<unsigned char> read_image_bytes(const std::string& path);
// A JPEG's header alone (what a GPU decoder needs to know first): its stored size, EXIF orientation (1..8), whether
// it is grayscale or progressive. Refuses what decode_image_bytes refuses (CMYK, corrupt, too large).
struct JpegInfo {
  int h = 0, w = 0;
  int orientation = 1;
  bool gray = false, progressive = false;
};
JpegInfo jpeg_info(const std::string& path, const std::vector<unsigned char>& bytes);
// JPEG by its magic bytes.
bool is_jpeg_bytes(const std::vector<unsigned char>& bytes);
Image decode_image_bytes(const std::string& path, const std::vector<unsigned char>& bytes, Layout layout);
// .jpg, .jpeg, .png (any case): the files a `files:DIR` workload takes.
bool is_image_file_name(const std::string& path);
// A .npy, JPEG or PNG file, by content: the one reader the CLI uses for `--image`.
Image read_image(const std::string& path, Layout layout);

}  // namespace pb
