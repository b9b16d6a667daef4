#include "workloads/image_file.hpp"

#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

// jpeglib.h needs FILE and size_t declared first
#include <jpeglib.h>
#include <jerror.h>
#include <png.h>

#include "workloads/files.hpp"
#include "workloads/npy.hpp"

namespace pb {
namespace {

constexpr long long kMaxPixels = 178956970;  // Pillow's MAX_IMAGE_PIXELS * 2: above it Pillow refuses the file

}  // namespace

// A regular file only (a FIFO would block the open forever), read whole.
std::vector<unsigned char> read_image_bytes(const std::string& path) {
  try {
    check_regular_input(path);
  } catch (const FileError& e) {
    throw ImageFileError(e.what());
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw ImageFileError(path + ": cannot open (" + std::strerror(errno) + ")");
  // one read of the whole file (an istreambuf_iterator copy ran at ~0.4 GB/s: 24 ms for 32 photos on the H200 host)
  f.seekg(0, std::ios::end);
  const std::streamoff size = f.tellg();
  if (size < 0) throw ImageFileError(path + ": cannot tell its size");
  f.seekg(0, std::ios::beg);
  std::vector<unsigned char> b(static_cast<size_t>(size));
  if (size > 0 && !f.read(reinterpret_cast<char*>(b.data()), size)) throw ImageFileError(path + ": read error");
  return b;
}

namespace {

bool size_ok(long long h, long long w) { return h > 0 && w > 0 && h * w <= kMaxPixels; }

// Called with the decoder already destroyed (a throw from inside it would leak libjpeg's or libpng's memory).
void check_size(const std::string& path, long long h, long long w) {
  if (h <= 0 || w <= 0) throw ImageFileError(path + ": image has zero size");
  if (h * w > kMaxPixels)
    throw ImageFileError(path + ": " + std::to_string(w) + "x" + std::to_string(h) + " pixels is over the " +
                         std::to_string(kMaxPixels) + "-pixel limit (a decompression bomb, as Pillow refuses it)");
}

// ---- EXIF orientation (tag 0x0112 of IFD0 in the APP1 "Exif" segment) ----

int exif_orientation(const unsigned char* p, size_t n) {
  if (n < 14 || std::memcmp(p, "Exif\0\0", 6) != 0) return 1;
  const unsigned char* t = p + 6;
  const size_t tn = n - 6;
  const bool le = t[0] == 'I' && t[1] == 'I';
  if (!le && !(t[0] == 'M' && t[1] == 'M')) return 1;
  auto u16 = [&](size_t o) -> unsigned { return o + 2 > tn ? 0 : le ? t[o] | t[o + 1] << 8 : t[o] << 8 | t[o + 1]; };
  auto u32 = [&](size_t o) -> size_t {
    if (o + 4 > tn) return 0;
    return le ? size_t(t[o]) | size_t(t[o + 1]) << 8 | size_t(t[o + 2]) << 16 | size_t(t[o + 3]) << 24
              : size_t(t[o]) << 24 | size_t(t[o + 1]) << 16 | size_t(t[o + 2]) << 8 | size_t(t[o + 3]);
  };
  const size_t ifd = u32(4);
  if (ifd == 0 || ifd + 2 > tn) return 1;
  const unsigned count = u16(ifd);
  for (unsigned i = 0; i < count; ++i) {
    const size_t e = ifd + 2 + 12 * size_t(i);
    if (e + 12 > tn) break;
    if (u16(e) == 0x0112 && u16(e + 2) == 3) {  // SHORT
      const unsigned v = u16(e + 8);
      return v >= 1 && v <= 8 ? int(v) : 1;
    }
  }
  return 1;
}

// PIL.ImageOps.exif_transpose: 2 FLIP_LEFT_RIGHT, 3 ROTATE_180, 4 FLIP_TOP_BOTTOM, 5 TRANSPOSE, 6 ROTATE_270,
// 7 TRANSVERSE, 8 ROTATE_90 (PIL's rotations are counter-clockwise). out(y, x) = in(sy, sx) below.
Image apply_orientation(Image in, int o) {
  if (o == 1) return in;
  const int H = in.h, W = in.w;
  const bool swap = o >= 5;
  Image out;
  out.h = swap ? W : H;
  out.w = swap ? H : W;
  out.layout = Layout::HWC;
  out.pixels.resize(in.pixels.size());
  for (int y = 0; y < out.h; ++y)
    for (int x = 0; x < out.w; ++x) {
      int sy = y, sx = x;
      switch (o) {
        case 2: sx = W - 1 - x; break;
        case 3: sy = H - 1 - y; sx = W - 1 - x; break;
        case 4: sy = H - 1 - y; break;
        case 5: sy = x; sx = y; break;
        case 6: sy = H - 1 - x; sx = y; break;
        case 7: sy = H - 1 - x; sx = W - 1 - y; break;
        case 8: sy = x; sx = W - 1 - y; break;
      }
      std::memcpy(&out.pixels[(size_t(y) * out.w + x) * 3], &in.pixels[(size_t(sy) * W + sx) * 3], 3);
    }
  return out;
}

// ---- JPEG ----

struct JpegErr {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

void jpeg_fail(j_common_ptr c) {
  JpegErr* e = reinterpret_cast<JpegErr*>(c->err);
  (*c->err->format_message)(c, e->message);
  std::longjmp(e->jump, 1);
}

// A truncated file fails, as Pillow raises on one instead of returning the grey libjpeg fills in; other
// corrupt-data warnings are ignored, as Pillow ignores them (both then return the same pixels).
void jpeg_warn(j_common_ptr c, int level) {
  if (level < 0 && c->err->msg_code == JWRN_JPEG_EOF) jpeg_fail(c);
}

// libjpeg's errors routed to `err` (a longjmp back to the caller's setjmp, which must follow this call).
void init_jpeg_errors(jpeg_decompress_struct& cinfo, JpegErr& err) {
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  err.mgr.emit_message = jpeg_warn;
  err.message[0] = 0;
}

// The header of a created decompressor over `bytes` (called after the caller's setjmp, whose frame a libjpeg error
// jumps back to): the EXIF orientation, CMYK and the size refused (the decompressor destroyed first).
int read_jpeg_header(jpeg_decompress_struct& cinfo, const std::string& path, const std::vector<unsigned char>& bytes) {
  jpeg_mem_src(&cinfo, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
  jpeg_read_header(&cinfo, TRUE);
  int orientation = 1;
  for (jpeg_saved_marker_ptr m = cinfo.marker_list; m; m = m->next)  // the first Exif segment, as Pillow reads it
    if (m->marker == JPEG_APP0 + 1 && m->data_length >= 6 && std::memcmp(m->data, "Exif\0\0", 6) == 0) {
      orientation = exif_orientation(m->data, m->data_length);
      break;
    }
  if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
    jpeg_destroy_decompress(&cinfo);
    throw ImageFileError(path + ": CMYK JPEG is not supported (convert it to RGB first)");
  }
  const long long ih = cinfo.image_height, iw = cinfo.image_width;
  if (!size_ok(ih, iw)) {
    jpeg_destroy_decompress(&cinfo);
    check_size(path, ih, iw);
  }
  return orientation;
}

Image decode_jpeg(const std::string& path, const std::vector<unsigned char>& bytes) {
  jpeg_decompress_struct cinfo;
  JpegErr err;
  init_jpeg_errors(cinfo, err);
  Image img;
  std::vector<unsigned char> row;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw ImageFileError(path + ": corrupt or truncated JPEG (" + err.message + ")");
  }
  jpeg_create_decompress(&cinfo);
  const int orientation = read_jpeg_header(cinfo, path, bytes);
  const bool gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  cinfo.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;  // libjpeg's defaults otherwise: islow IDCT, fancy upsampling
  jpeg_start_decompress(&cinfo);
  img.h = int(cinfo.output_height);
  img.w = int(cinfo.output_width);
  img.layout = Layout::HWC;
  try {
    img.pixels.resize(size_t(img.h) * img.w * 3);
    row.resize(size_t(img.w) * cinfo.output_components);
  } catch (...) {  // out of memory: the decoder goes first
    jpeg_destroy_decompress(&cinfo);
    throw;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    const size_t y = cinfo.output_scanline;
    JSAMPROW r = row.data();
    jpeg_read_scanlines(&cinfo, &r, 1);
    unsigned char* dst = &img.pixels[y * img.w * 3];
    if (gray)
      for (int x = 0; x < img.w; ++x) dst[3 * x] = dst[3 * x + 1] = dst[3 * x + 2] = row[size_t(x)];
    else
      std::memcpy(dst, row.data(), row.size());
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return apply_orientation(std::move(img), orientation);
}

// ---- PNG ----

struct PngRead {
  const std::vector<unsigned char>* bytes;
  size_t pos = 0;
};

void png_read_mem(png_structp png, png_bytep out, png_size_t n) {
  PngRead* r = static_cast<PngRead*>(png_get_io_ptr(png));
  if (r->pos + n > r->bytes->size()) png_error(png, "unexpected end of file");
  std::memcpy(out, r->bytes->data() + r->pos, n);
  r->pos += n;
}

void png_fail(png_structp png, png_const_charp msg) {
  auto* m = static_cast<std::string*>(png_get_error_ptr(png));
  *m = msg;
  png_longjmp(png, 1);
}

void png_warn(png_structp, png_const_charp) {}  // benign chunk warnings (e.g. a bad iCCP) do not change pixels

Image decode_png(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::string message;
  png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &message, png_fail, png_warn);
  if (!png) throw ImageFileError(path + ": out of memory");
  png_infop info = png_create_info_struct(png);
  PngRead src{&bytes, 0};
  Image img;
  std::vector<png_bytep> rows;
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw ImageFileError(path + ": corrupt or truncated PNG (" + message + ")");
  }
  png_set_read_fn(png, &src, png_read_mem);
  png_read_info(png, info);
  const png_uint_32 w = png_get_image_width(png, info), h = png_get_image_height(png, info);
  const int depth = png_get_bit_depth(png, info), type = png_get_color_type(png, info);
  if ((type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) && depth == 16) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw ImageFileError(path + ": 16-bit grayscale PNG is not supported (Pillow's convert(\"RGB\") clamps it to 255)");
  }
  if (!size_ok(h, w)) {
    png_destroy_read_struct(&png, &info, nullptr);
    check_size(path, h, w);
  }
  if (type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (type == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16) png_set_strip_16(png);  // the high byte, as Pillow's RGB;16B unpacker
  // alpha dropped, not composited (convert("RGB")); a palette's tRNS becomes alpha on expansion: dropped too
  if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS)) png_set_strip_alpha(png);
  if (type == PNG_COLOR_TYPE_GRAY || type == PNG_COLOR_TYPE_GRAY_ALPHA) png_set_gray_to_rgb(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  if (png_get_rowbytes(png, info) != size_t(w) * 3) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw ImageFileError(path + ": PNG color type " + std::to_string(type) + " at " + std::to_string(depth) +
                         " bits does not decode to RGB here");
  }
  img.h = int(h);
  img.w = int(w);
  img.layout = Layout::HWC;
  try {
    img.pixels.resize(size_t(h) * w * 3);
    rows.resize(h);
  } catch (...) {
    png_destroy_read_struct(&png, &info, nullptr);
    throw;
  }
  for (png_uint_32 y = 0; y < h; ++y) rows[y] = &img.pixels[size_t(y) * w * 3];
  png_read_image(png, rows.data());
  png_read_end(png, nullptr);
  png_destroy_read_struct(&png, &info, nullptr);
  return img;
}

bool is_jpeg(const std::vector<unsigned char>& b) { return b.size() >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF; }
bool is_png(const std::vector<unsigned char>& b) {
  static const unsigned char sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  return b.size() >= 8 && std::memcmp(b.data(), sig, 8) == 0;
}

}  // namespace

bool is_jpeg_bytes(const std::vector<unsigned char>& bytes) { return is_jpeg(bytes); }

JpegInfo jpeg_info(const std::string& path, const std::vector<unsigned char>& bytes) {
  if (!is_jpeg(bytes)) throw ImageFileError(path + ": not a JPEG file");
  jpeg_decompress_struct cinfo;
  JpegErr err;
  init_jpeg_errors(cinfo, err);
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw ImageFileError(path + ": corrupt or truncated JPEG (" + err.message + ")");
  }
  jpeg_create_decompress(&cinfo);
  JpegInfo info;
  info.orientation = read_jpeg_header(cinfo, path, bytes);
  info.h = int(cinfo.image_height);
  info.w = int(cinfo.image_width);
  info.gray = cinfo.jpeg_color_space == JCS_GRAYSCALE;
  info.progressive = cinfo.progressive_mode != 0;
  jpeg_destroy_decompress(&cinfo);
  return info;
}

Image read_image_file(const std::string& path, Layout layout) { return decode_image_bytes(path, read_image_bytes(path), layout); }

Image decode_image_bytes(const std::string& path, const std::vector<unsigned char>& bytes, Layout layout) {
  Image img;
  if (is_jpeg(bytes))
    img = decode_jpeg(path, bytes);
  else if (is_png(bytes))
    img = decode_png(path, bytes);
  else
    throw ImageFileError(path + ": not a JPEG or PNG file");
  return layout == Layout::HWC ? img : img.to_layout(layout);
}

bool is_image_file_name(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string ext = path.substr(dot + 1);
  for (char& c : ext) c = char(std::tolower(static_cast<unsigned char>(c)));
  return ext == "jpg" || ext == "jpeg" || ext == "png";
}

Image read_image(const std::string& path, Layout layout) {
  try {
    check_regular_input(path);  // before the open below, which would wait forever on a FIFO
  } catch (const FileError& e) {
    throw ImageFileError(e.what());
  }
  char magic[6] = {};
  {
    std::ifstream f(path, std::ios::binary);
    if (f) f.read(magic, 6);
  }
  if (std::memcmp(magic, "\x93NUMPY", 6) == 0) return read_image_npy(path, layout);
  const unsigned char m0 = static_cast<unsigned char>(magic[0]);
  if (m0 != 0xFF && m0 != 0x89) throw ImageFileError(path + ": not a .npy, JPEG or PNG file");
  return read_image_file(path, layout);
}

}  // namespace pb
