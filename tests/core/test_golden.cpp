// Parity with the real libraries: goldens written on the GPU machine by peers/make_golden.py (transformers 5.17
// processors with device="cuda" for `hf`, torchvision 0.26 float32 antialiased resize on CUDA for `float`).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "../test_paths.hpp"
#include "core/geometry.hpp"
#include "core/layout.hpp"
#include "core/pillow.hpp"
#include "core/reference.hpp"
#include "core/torchvision_aa.hpp"
#include "workloads/image_file.hpp"
#include "workloads/npy.hpp"

using namespace pb;
using nlohmann::json;

namespace {

const std::string kDir = pbtest::golden_dir();

json load_index(const std::string& set = "") {
  const std::string dir = set.empty() ? kDir : kDir + "/" + set;
  std::ifstream f(dir + "/golden.json");
  if (!f) throw std::runtime_error("golden index " + dir + "/golden.json missing (tests/golden/goldens*.tar.xz)");
  return json::parse(f);
}

std::vector<float> load_values(const std::string& file, const std::string& set = "") {
  const NpyArray a = read_npy((set.empty() ? kDir : kDir + "/" + set) + "/" + file);
  if (a.descr != "<f4") throw std::runtime_error(file + ": expected float32");
  std::vector<float> v(a.data.size() / 4);
  std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

}  // namespace

// torchvision's float32 CUDA resize, emulated (core/torchvision_aa.hpp), then HF's float32 normalize: every float
// golden (the processor fed float32 0..255 tensors) reproduced bit for bit. This is what makes hf mode exact.
TEST(Golden, TorchvisionFloat32ResizeIsEmulatedBitForBit) {
  const json idx = load_index();
  std::map<std::string, Image> images;
  for (const auto& im : idx["images"]) images[im["name"]] = read_image_npy(kDir + "/" + im["file"].get<std::string>(), Layout::HWC);
  double worst = 0;
  for (const auto& o : idx["outputs"]) {
    if (o["mode"] != "float") continue;
    const PipelineSpec& spec = find_pipeline(o["pipeline"]);
    const Image& img = images.at(o["image"]);
    const Plan plan = make_plan(spec, {img.shape()}, Mode::Float);
    const Job& j = plan.jobs[0];
    const Epilogue& e = plan.epilogue;
    const std::vector<float> gold = load_values(o["file"]);
    const size_t stride = o["stride"];
    // invert the layout: for every destination index of the window, which (c, y, x) it holds
    std::vector<int> where(size_t(plan.out_elems), -1);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < j.h; ++y)
        for (int x = 0; x < j.w; ++x) {
          const int code = (c * j.h + y) * j.w + x;
          if (plan.layout == DstLayout::NCHW) {
            where[size_t(nchw_index(j, c, y, x))] = code;
          } else {
            for (int tt = 0; tt < plan.qwen.temporal; ++tt) where[size_t(qwen_index(j, plan.qwen, c, y, x, tt))] = code;
          }
        }
    const std::vector<float> win = torchvision_aa_window(img.view(), j.rh, j.rw, plan.filter, j.y0, j.y0 + j.h, j.x0,
                                                         j.x0 + j.w);
    double max_abs = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      const int code = where[i * stride];
      const int c = code / (j.h * j.w);
      const float emulated = (win[size_t(code)] - e.mean255[c]) / e.std255[c];  // HF's float32 normalize
      max_abs = std::max(max_abs, std::fabs(double(emulated) - double(gold[i])));
    }
    worst = std::max(worst, max_abs);
    std::printf("f32-emulation %-18s %-14s max_abs=%.3g\n", o["pipeline"].get<std::string>().c_str(),
                o["image"].get<std::string>().c_str(), max_abs);
  }
  EXPECT_EQ(worst, 0.0);
}

namespace {

// Every output of one golden set against the reference. Per pipeline and mode: hf and pil bit-exact, float within
// 1e-4.
// Shapes and side outputs (image_grid_thw, num_patches, image_sizes) exact. Returns the number of outputs checked.
int check_golden_set(const std::string& set) {
  const json idx = load_index(set);
  const std::string dir = set.empty() ? kDir : kDir + "/" + set;
  std::map<std::string, Image> images;
  for (const auto& im : idx["images"]) {
    const std::string file = dir + "/" + im["file"].get<std::string>();
    // photos are stored as their JPEG bytes: prepbench's decoder (bit-exact with Pillow) is part of what is tested
    images[im["name"]] = is_image_file_name(file) ? read_image_file(file, Layout::HWC) : read_image_npy(file, Layout::HWC);
  }
  struct Tally {
    size_t n = 0, within = 0;
    double max_abs = 0;
  };
  std::map<std::string, Tally> tally;  // pipeline/mode
  int checked = 0;
  for (const auto& o : idx["outputs"]) {
    const std::string pipeline = o["pipeline"], mode_s = o["mode"], name = o["image"];
    SCOPED_TRACE(set + " " + pipeline + " " + mode_s + " " + name);
    const PipelineSpec& spec = find_pipeline(pipeline);
    const Mode mode = parse_mode(mode_s);
    const Image& img = images.at(name);
    const Plan plan = make_plan(spec, {img.shape()}, mode);
    EXPECT_EQ(plan.out_shape, o["shape"].get<std::vector<long long>>());
    if (plan.out_shape != o["shape"].get<std::vector<long long>>()) continue;
    if (o.contains("image_grid_thw")) {
      EXPECT_EQ(json(plan.grid_thw), o["image_grid_thw"]);
    }
    if (o.contains("num_patches")) {
      EXPECT_EQ(json(plan.num_patches), o["num_patches"]);
    }
    if (o.contains("image_sizes")) {
      EXPECT_EQ(json(plan.image_sizes), o["image_sizes"]);
    }
    const std::vector<float> ref = run_reference(plan, {img.view()});
    const std::vector<float> gold = load_values(o["file"], set);
    const size_t stride = o["stride"];
    EXPECT_EQ(gold.size(), (ref.size() + stride - 1) / stride);
    if (gold.size() != (ref.size() + stride - 1) / stride) continue;
    Tally& t = tally[pipeline + " " + mode_s];
    double max_abs = 0;
    size_t equal = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      const double d = std::fabs(double(ref[i * stride]) - double(gold[i]));
      max_abs = std::max(max_abs, d);
      t.within += d <= 1e-5;
      equal += d == 0.0;
    }
    t.n += gold.size();
    t.max_abs = std::max(t.max_abs, max_abs);
    std::printf("golden %-7s %-18s %-5s %-14s n=%-6zu max_abs=%.3g equal=%.3f%%\n", set.empty() ? "core" : set.c_str(),
                pipeline.c_str(), mode_s.c_str(), name.c_str(), gold.size(), max_abs,
                100.0 * double(equal) / double(std::max<size_t>(gold.size(), 1)));
    if (mode == Mode::Float) {
      EXPECT_LE(max_abs, 1e-4);
    } else {
      EXPECT_EQ(max_abs, 0.0);
    }
    ++checked;
  }
  for (const auto& [key, t] : tally) {
    const double frac = double(t.within) / double(t.n);
    std::printf("golden summary %-7s %-24s values=%-6zu max_abs=%.3g within_1e-5=%.5f%%\n",
                set.empty() ? "core" : set.c_str(), key.c_str(), t.n, t.max_abs, 100 * frac);
  }
  return checked;
}

}  // namespace

// hf mode: bit for bit (the reference is torchvision's float32 CUDA arithmetic, core/torchvision_aa.hpp; a float64
// resize rounds some .5 ties the other way: 99.990-99.998 % of values were equal that way). float mode: within 1e-4
// of torchvision's float32 path, the float64 resize's own gap to it (the test above reproduces it exactly).
TEST(Golden, ReferenceMatchesHfAndTorchvision) { EXPECT_EQ(check_golden_set(""), 7 * 4 * 2); }

// InternVL and LLaVA-NeXT processors (transformers 5.17, device="cuda"): 7 shapes x 2 pipelines x {hf, float}.
TEST(Golden, TilingPipelinesMatchHf) { EXPECT_EQ(check_golden_set("tiling"), 7 * 2 * 2); }

// Real photographs end to end from the file (peers/make_golden.py --set photos on the GPU machine: JPEGs of
// scripts/make_photos.py, decoded by Pillow, six processors on uint8 CUDA tensors): prepbench's decode, then the
// reference in hf mode, bit for bit. The float64 resize rounded up to 0.017 % of such values the other way.
TEST(Golden, RealPhotosFromJpegMatchHfBitForBit) {
  if (!std::filesystem::exists(kDir + "/photos/golden.json"))
    GTEST_SKIP() << "no real-photo goldens (tests/golden/goldens_photos.tar.xz): make them on the GPU machine with "
                    "peers/make_golden.py --set photos";
  const json idx = load_index("photos");
  EXPECT_EQ(check_golden_set("photos"), int(idx["images"].size()) * 6);
}

// HF's PIL backend (transformers 5.17, Pillow on the GPU machine): bit-exact for all six pipelines, and the raw
// Pillow resizes (bicubic, bilinear, lanczos; up and down) byte for byte.
TEST(Golden, PilModeIsBitExactWithHfPilBackendAndPillow) {
  EXPECT_EQ(check_golden_set("pil"), 4 * 6);
  const json idx = load_index("pil");
  const std::string dir = kDir + "/pil";
  int resizes = 0;
  for (const auto& r : idx["resizes"]) {
    const Image img = read_image_npy(dir + "/images/" + r["image"].get<std::string>() + ".npy", Layout::HWC);
    const Image want = read_image_npy(dir + "/" + r["file"].get<std::string>(), Layout::HWC);
    const std::string f = r["filter"];
    const Filter filter = f == "bicubic" ? Filter::Bicubic : f == "bilinear" ? Filter::Bilinear : Filter::Lanczos;
    const std::vector<uint8_t> got = pillow_resize(img.view(), want.h, want.w, filter);
    size_t diff = 0;
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < want.h; ++y)
        for (int x = 0; x < want.w; ++x) diff += got[(size_t(c) * want.h + y) * want.w + x] != want.view().at(c, y, x);
    EXPECT_EQ(diff, 0u) << r.dump();
    ++resizes;
  }
  EXPECT_EQ(resizes, 12);
}

TEST(Golden, GeometryMatchesTransformers) {
  const json g = load_index()["geometry"];
  ASSERT_GT(g["smart_resize"].size(), 100u);
  for (const auto& r : g["smart_resize"]) {
    const int h = r["h"], w = r["w"];
    const long long mx = r["max_pixels"], mn = r["min_pixels"];
    if (r.contains("error")) {
      EXPECT_THROW(smart_resize(h, w, 28, mn, mx), GeometryError) << h << "x" << w;
    } else {
      const ImageShape s = smart_resize(h, w, 28, mn, mx);
      EXPECT_EQ(s.h, r["rh"].get<int>()) << h << "x" << w << " max " << mx;
      EXPECT_EQ(s.w, r["rw"].get<int>()) << h << "x" << w << " max " << mx;
    }
  }
  ASSERT_GT(g["shortest_edge"].size(), 100u);
  for (const auto& r : g["shortest_edge"]) {
    const ImageShape s = shortest_edge_size({r["h"], r["w"]}, r["size"]);
    EXPECT_EQ(s.h, r["rh"].get<int>()) << r.dump();
    EXPECT_EQ(s.w, r["rw"].get<int>()) << r.dump();
  }
  ASSERT_GT(g["center_crop"].size(), 10u);
  for (const auto& r : g["center_crop"]) {
    const Window win = center_crop_window({r["h"], r["w"]}, r["ch"], r["cw"]);
    EXPECT_EQ(win.y0, r["top"].get<int>()) << r.dump();
    EXPECT_EQ(win.x0, r["left"].get<int>()) << r.dump();
  }
}
