#include "workloads/npy.hpp"

#include "workloads/files.hpp"

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <limits>

namespace pb {
namespace {

std::string header_value(const std::string& h, const std::string& key, const std::string& path) {
  const std::string k = "'" + key + "'";
  const size_t p = h.find(k);
  if (p == std::string::npos) throw NpyError(path + ": .npy header has no " + k);
  size_t v = h.find(':', p + k.size());
  if (v == std::string::npos) throw NpyError(path + ": garbled .npy header");
  ++v;
  while (v < h.size() && h[v] == ' ') ++v;
  if (v >= h.size()) throw NpyError(path + ": garbled .npy header");
  size_t end;
  if (h[v] == '\'') {
    end = h.find('\'', v + 1);
    if (end == std::string::npos) throw NpyError(path + ": garbled .npy header");
    return h.substr(v + 1, end - v - 1);
  }
  if (h[v] == '(') {
    end = h.find(')', v);
    if (end == std::string::npos) throw NpyError(path + ": garbled .npy header");
    return h.substr(v, end - v + 1);
  }
  end = h.find_first_of(",}", v);
  if (end == std::string::npos) throw NpyError(path + ": garbled .npy header");
  return h.substr(v, end - v);
}

std::vector<size_t> parse_shape(const std::string& s, const std::string& path) {
  std::vector<size_t> shape;
  size_t i = 1;  // past '('
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size() || s[i] == ')') break;
    if (s[i] < '0' || s[i] > '9') throw NpyError(path + ": garbled shape in .npy header: " + s);
    unsigned long long d = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (d > (std::numeric_limits<unsigned long long>::max() - 9) / 10) throw NpyError(path + ": shape too large");
      d = d * 10 + unsigned(s[i] - '0');
      ++i;
    }
    shape.push_back(size_t(d));
  }
  return shape;
}

size_t item_size(const std::string& descr) {
  if (descr.size() < 3) return 0;
  const char kind = descr[1];
  if (kind != 'u' && kind != 'i' && kind != 'f' && kind != 'b') return 0;
  const int n = std::atoi(descr.c_str() + 2);
  return n > 0 && n <= 16 ? size_t(n) : 0;
}

}  // namespace

NpyArray read_npy(const std::string& path) {
  try {
    check_regular_input(path);
  } catch (const FileError& e) {
    throw NpyError(e.what());
  }
  std::ifstream f(path, std::ios::binary);
  if (!f) throw NpyError(path + ": cannot open for reading");
  f.seekg(0, std::ios::end);
  const std::streamoff file_size = f.tellg();
  f.seekg(0);
  char magic[8];
  if (!f.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) throw NpyError(path + ": not a .npy file");
  const int major = (unsigned char)magic[6];
  size_t header_len = 0;
  if (major == 1) {
    unsigned char b[2];
    if (!f.read(reinterpret_cast<char*>(b), 2)) throw NpyError(path + ": truncated .npy header");
    header_len = b[0] | (b[1] << 8);
  } else if (major == 2 || major == 3) {
    unsigned char b[4];
    if (!f.read(reinterpret_cast<char*>(b), 4)) throw NpyError(path + ": truncated .npy header");
    header_len = size_t(b[0]) | (size_t(b[1]) << 8) | (size_t(b[2]) << 16) | (size_t(b[3]) << 24);
  } else {
    throw NpyError(path + ": unsupported .npy version " + std::to_string(major));
  }
  if (header_len > (1u << 20) || std::streamoff(header_len) > file_size) throw NpyError(path + ": garbled .npy header");
  std::string header(header_len, '\0');
  if (!f.read(&header[0], std::streamsize(header_len))) throw NpyError(path + ": truncated .npy header");

  NpyArray a;
  a.descr = header_value(header, "descr", path);
  const std::string order = header_value(header, "fortran_order", path);
  if (order != "True" && order != "False")
    throw NpyError(path + ": garbled .npy header: fortran_order must be True or False");
  a.fortran_order = order == "True";
  a.shape = parse_shape(header_value(header, "shape", path), path);
  const size_t isz = item_size(a.descr);
  if (isz == 0) throw NpyError(path + ": unsupported dtype '" + a.descr + "'");
  size_t count = 1;
  for (size_t d : a.shape) {
    if (d != 0 && count > std::numeric_limits<size_t>::max() / d / isz) throw NpyError(path + ": shape too large");
    count *= d;
  }
  const size_t bytes = count * isz;
  const std::streamoff avail = file_size - f.tellg();
  if (std::streamoff(bytes) > avail)
    throw NpyError(path + ": truncated data (header declares " + std::to_string(bytes) + " bytes, file has " +
                   std::to_string(avail) + ")");
  if (std::streamoff(bytes) < avail) throw NpyError(path + ": unexpected trailing bytes after the array data");
  a.data.resize(bytes);
  if (bytes && !f.read(a.data.data(), std::streamsize(bytes))) throw NpyError(path + ": truncated data");
  return a;
}

Image read_image_npy(const std::string& path, Layout layout) {
  NpyArray a = read_npy(path);
  if (a.descr != "|u1" && a.descr != "<u1" && a.descr != "=u1")
    throw NpyError(path + ": expected a uint8 image, got dtype '" + a.descr + "'");
  if (a.fortran_order) throw NpyError(path + ": Fortran-ordered arrays are not supported");
  std::vector<size_t> s = a.shape;
  if (s.size() == 4 && s[0] == 1) s.erase(s.begin());
  if (s.size() != 3)
    throw NpyError(path + ": expected a 3-d image array (" + std::string(layout == Layout::HWC ? "H, W, 3" : "3, H, W") +
                   "), got " + std::to_string(a.shape.size()) + " dimensions");
  const size_t ch = layout == Layout::HWC ? s[2] : s[0];
  if (ch != 3)
    throw NpyError(path + ": expected 3 channels (" + layout_name(layout) + " layout), got " + std::to_string(ch));
  const size_t h = layout == Layout::HWC ? s[0] : s[1];
  const size_t w = layout == Layout::HWC ? s[1] : s[2];
  if (h == 0 || w == 0) throw NpyError(path + ": image has zero size");
  if (h > (1u << 20) || w > (1u << 20)) throw NpyError(path + ": image side larger than 2^20");
  Image img;
  img.h = int(h);
  img.w = int(w);
  img.layout = layout;
  img.pixels.assign(reinterpret_cast<const uint8_t*>(a.data.data()),
                    reinterpret_cast<const uint8_t*>(a.data.data()) + a.data.size());
  return img;
}

void write_npy(const std::string& path, const std::string& descr, const std::vector<size_t>& shape, const void* data,
               size_t bytes) {
  std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (";
  for (size_t i = 0; i < shape.size(); ++i) {
    dict += std::to_string(shape[i]);
    if (shape.size() == 1) dict += ",";  // numpy spells a 1-tuple "(n,)"
    else if (i + 1 < shape.size()) dict += ", ";
  }
  dict += "), }";
  // Pad so that the data starts on a 64-byte boundary (format version 1.0: 10-byte preamble).
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict += '\n';
  std::string head = std::string("\x93NUMPY\x01\x00", 8);
  head += char(dict.size() & 0xff);
  head += char((dict.size() >> 8) & 0xff);
  head += dict;
  write_file_safely(path, head.data(), head.size(), data, bytes);
}

void write_image_npy(const std::string& path, const Image& img) {
  const std::vector<size_t> shape = img.layout == Layout::HWC ? std::vector<size_t>{size_t(img.h), size_t(img.w), 3}
                                                              : std::vector<size_t>{3, size_t(img.h), size_t(img.w)};
  write_npy(path, "|u1", shape, img.pixels.data(), img.pixels.size());
}

void write_float_npy(const std::string& path, const std::vector<long long>& shape, const std::vector<float>& v) {
  std::vector<size_t> s(shape.begin(), shape.end());
  write_npy(path, "<f4", s, v.data(), v.size() * sizeof(float));
}

void write_text_atomic(const std::string& path, const std::string& text) {
  write_file_safely(path, nullptr, 0, text.data(), text.size());
}

}  // namespace pb
