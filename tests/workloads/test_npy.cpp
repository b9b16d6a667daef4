#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "../test_paths.hpp"
#include "workloads/files.hpp"
#include "workloads/npy.hpp"
#include "workloads/workload.hpp"

using namespace pb;
namespace fs = std::filesystem;

namespace {

std::string tmp_path(const std::string& name) {
  fs::create_directories(pbtest::test_tmp());
  return pbtest::test_tmp() + "/" + name;
}

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

std::string npy_bytes(const std::string& dict, size_t data_bytes) {
  std::string d = dict;
  while ((10 + d.size() + 1) % 64) d += ' ';
  d += '\n';
  std::string s("\x93NUMPY\x01\x00", 8);
  s += char(d.size() & 0xff);
  s += char(d.size() >> 8);
  return s + d + std::string(data_bytes, '\x07');
}

}  // namespace

TEST(Npy, ImageRoundTripBothLayouts) {
  for (Layout l : {Layout::HWC, Layout::CHW}) {
    const Image img = generate_image(17, 23, 9, 0, l);
    const std::string p = tmp_path(std::string("rt_") + layout_name(l) + ".npy");
    write_image_npy(p, img);
    const Image back = read_image_npy(p, l);
    EXPECT_EQ(back.h, 17);
    EXPECT_EQ(back.w, 23);
    EXPECT_EQ(back.pixels, img.pixels);
    // and the header is what numpy itself writes
    const NpyArray a = read_npy(p);
    EXPECT_EQ(a.descr, "|u1");
    EXPECT_EQ(a.shape, l == Layout::HWC ? (std::vector<size_t>{17, 23, 3}) : (std::vector<size_t>{3, 17, 23}));
  }
}

TEST(Npy, FloatWriteHasNumpyHeaderAndAlignment) {
  const std::string p = tmp_path("f.npy");
  write_float_npy(p, {2, 3}, {1, 2, 3, 4, 5, 6});
  const NpyArray a = read_npy(p);
  EXPECT_EQ(a.descr, "<f4");
  EXPECT_EQ(a.shape, (std::vector<size_t>{2, 3}));
  EXPECT_EQ(fs::file_size(p) % 64, 24u);  // 64-byte aligned header + 24 data bytes
  write_float_npy(p, {6}, {1, 2, 3, 4, 5, 6});
  std::ifstream f(p, std::ios::binary);
  std::string head(64, '\0');
  f.read(&head[0], 64);
  EXPECT_NE(head.find("'shape': (6,)"), std::string::npos);
}

TEST(Npy, RejectsBadFiles) {
  const std::string dict_ok = "{'descr': '|u1', 'fortran_order': False, 'shape': (4, 5, 3), }";
  struct Case {
    const char* name;
    std::string bytes;
  } cases[] = {
      {"empty", ""},
      {"not_npy", "hello world, this is not numpy"},
      {"short_header", std::string("\x93NUMPY\x01\x00\xff", 9)},
      {"truncated_data", npy_bytes(dict_ok, 59)},
      {"trailing", npy_bytes(dict_ok, 61)},
      {"float_dtype", npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (4, 5, 3), }", 240)},
      {"two_channels", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 5, 2), }", 40)},
      {"four_channels", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 5, 4), }", 80)},
      {"zero_size", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (0, 5, 3), }", 0)},
      {"two_dims", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4, 15), }", 60)},
      {"fortran", npy_bytes("{'descr': '|u1', 'fortran_order': True, 'shape': (4, 5, 3), }", 60)},
      {"garbled_shape", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (4, x, 3), }", 60)},
      {"no_shape", npy_bytes("{'descr': '|u1', 'fortran_order': False, }", 60)},
      {"huge_declared", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (20000, 20000, 3), }", 1000)},
      {"overflow", npy_bytes("{'descr': '|u1', 'fortran_order': False, 'shape': (99999999999, 99999999999, 3), }", 10)},
      {"bad_version", std::string("\x93NUMPY\x07\x00\x10\x00", 10) + std::string(16, ' ')},
  };
  for (const auto& c : cases) {
    const std::string p = tmp_path(std::string("bad_") + c.name + ".npy");
    write_raw(p, c.bytes);
    EXPECT_THROW(read_image_npy(p, Layout::HWC), NpyError) << c.name;
  }
  EXPECT_THROW(read_image_npy(tmp_path("does_not_exist.npy"), Layout::HWC), NpyError);
  // CHW reads channel count from the first axis
  const std::string p = tmp_path("chw_wrong.npy");
  write_raw(p, npy_bytes(dict_ok, 60));
  EXPECT_THROW(read_image_npy(p, Layout::CHW), NpyError);
}

TEST(Npy, FailedWriteLeavesNothingBehind) {
  EXPECT_THROW(write_float_npy(pbtest::test_tmp() + "/no/such/dir/x.npy", {1}, {1.0f}), FileError);
  EXPECT_FALSE(fs::exists(pbtest::test_tmp() + "/no/such/dir"));
}

// fortran_order is True or False; anything else was read as C order.
TEST(Npy, FortranOrderMustBeTrueOrFalse) {
  const std::string p = tmp_path("maybe.npy");
  write_raw(p, npy_bytes("{'descr': '|u1', 'fortran_order': Maybe, 'shape': (2, 2, 3), }", 12));
  try {
    read_npy(p);
    ADD_FAILURE() << "fortran_order Maybe was accepted";
  } catch (const NpyError& e) {
    EXPECT_NE(std::string(e.what()).find("fortran_order"), std::string::npos) << e.what();
  }
}

// Writes keep what they replace intact: a symlink stays a link (its target gets the new bytes), a device is written
// through, never replaced by a regular file, and a write error on it is reported.
TEST(Npy, WritesKeepLinksAndDevices) {
  const std::string target = tmp_path("link_target.json"), link = tmp_path("link.json");
  fs::remove(link);
  write_raw(target, "old");
  fs::create_symlink(target, link);
  write_text_atomic(link, "new");
  EXPECT_TRUE(fs::is_symlink(link));
  std::ifstream f(target);
  std::string s;
  f >> s;
  EXPECT_EQ(s, "new");
  if (fs::exists("/dev/full")) {
    EXPECT_THROW(write_text_atomic("/dev/full", "x"), FileError);
    EXPECT_TRUE(fs::is_character_file("/dev/full"));
  }
  EXPECT_NO_THROW(write_text_atomic("/dev/null", "x"));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  EXPECT_THROW(write_text_atomic(pbtest::test_tmp(), "x"), FileError);  // a directory
}
