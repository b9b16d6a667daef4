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

#include "core/geometry.hpp"
#include "core/reference.hpp"
#include "workloads/npy.hpp"

using namespace pb;
using nlohmann::json;

namespace {

const std::string kDir = PB_GOLDEN_DIR;

json load_index() {
  std::ifstream f(kDir + "/golden.json");
  if (!f) throw std::runtime_error("golden index " + kDir + "/golden.json missing (tests/golden/goldens.tar.xz)");
  return json::parse(f);
}

std::vector<float> load_values(const std::string& file) {
  const NpyArray a = read_npy(kDir + "/" + file);
  if (a.descr != "<f4") throw std::runtime_error(file + ": expected float32");
  std::vector<float> v(a.data.size() / 4);
  std::memcpy(v.data(), a.data.data(), a.data.size());
  return v;
}

}  // namespace

TEST(Golden, ReferenceMatchesHfAndTorchvision) {
  const json idx = load_index();
  ASSERT_GE(idx["images"].size(), 6u);
  std::map<std::string, Image> images;
  for (const auto& im : idx["images"]) images[im["name"]] = read_image_npy(kDir + "/" + im["file"].get<std::string>(), Layout::HWC);
  int checked = 0;
  for (const auto& o : idx["outputs"]) {
    const std::string pipeline = o["pipeline"], mode_s = o["mode"], name = o["image"];
    SCOPED_TRACE(pipeline + " " + mode_s + " " + name);
    const PipelineSpec& spec = find_pipeline(pipeline);
    const Mode mode = parse_mode(mode_s);
    const Image& img = images.at(name);
    const Plan plan = make_plan(spec, {img.shape()}, mode);
    ASSERT_EQ(plan.out_shape, o["shape"].get<std::vector<long long>>());
    if (o.contains("image_grid_thw")) {
      EXPECT_EQ(json(plan.grid_thw), o["image_grid_thw"]);
    }
    const std::vector<float> ref = run_reference(plan, {img.view()});
    const std::vector<float> gold = load_values(o["file"]);
    const size_t stride = o["stride"];
    ASSERT_EQ(gold.size(), (ref.size() + stride - 1) / stride);
    double step = 0;  // one uint8 step in normalized units, for the widest-step channel
    for (int c = 0; c < 3; ++c) step = std::max(step, 1.0 / (255.0 * spec.std[c]));
    double max_abs = 0;
    size_t within = 0;
    for (size_t i = 0; i < gold.size(); ++i) {
      const double d = std::fabs(double(ref[i * stride]) - double(gold[i]));
      max_abs = std::max(max_abs, d);
      within += d <= 1e-5;
    }
    const double frac = double(within) / double(gold.size());
    std::printf("golden %-18s %-5s %-14s n=%-7zu max_abs=%.3g within_1e-5=%.6f\n", pipeline.c_str(), mode_s.c_str(),
                name.c_str(), gold.size(), max_abs, frac);
    if (mode == Mode::Float) {
      EXPECT_LE(max_abs, 1e-5);
    } else {
      EXPECT_LE(max_abs, step + 1e-5);
      EXPECT_GE(frac, 0.9999);
    }
    ++checked;
  }
  EXPECT_GE(checked, 6 * 4 * 2);
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
