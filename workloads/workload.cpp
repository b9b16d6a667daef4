#include "workloads/workload.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>

#include <filesystem>
#include <map>
#include <mutex>

#include "core/parallel.hpp"
#include "workloads/image_file.hpp"
#include "workloads/rng.hpp"

namespace pb {
namespace {

constexpr int kMaxSide = 16384;
constexpr int kMaxImages = 4096;

bool parse_int(const std::string& s, int& out) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  out = std::atoi(s.c_str());
  return true;
}

uint64_t hash_name(const std::string& s) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

}  // namespace

std::vector<std::string> example_workloads() {
  return {"uniform-n32-512", "ragged-n32-384-1024", "large-n4-3000-4096", "aspect-n8-32-4096"};
}

namespace {

WorkloadSpec parse_files_workload(const std::string& name) {
  namespace fs = std::filesystem;
  WorkloadSpec w;
  w.name = name;
  w.kind = "files";
  w.dir = name.substr(6);
  std::error_code ec;
  if (w.dir.empty() || !fs::is_directory(w.dir, ec))
    throw std::invalid_argument(name + ": '" + w.dir + "' is not a folder (files:DIR takes a folder of JPEG/PNG files)");
  for (const auto& e : fs::directory_iterator(w.dir, ec))
    if (e.is_regular_file() && is_image_file_name(e.path().string())) w.files.push_back(e.path().string());
  if (ec) throw std::invalid_argument(name + ": cannot list '" + w.dir + "' (" + ec.message() + ")");
  if (w.files.empty()) throw std::invalid_argument(name + ": no .jpg, .jpeg or .png file in '" + w.dir + "'");
  if (w.files.size() > size_t(kMaxImages))
    throw std::invalid_argument(name + ": " + std::to_string(w.files.size()) + " files, over the " +
                                std::to_string(kMaxImages) + "-image limit of a workload");
  std::sort(w.files.begin(), w.files.end());
  w.n = int(w.files.size());
  return w;
}

// The decoded files of a folder, HWC, once per process (workload_shapes, the timed and the parity images all read
// them); decoded in parallel, one file per task.
const std::vector<Image>& decoded_files(const WorkloadSpec& w) {
  static std::mutex mu;
  static std::map<std::vector<std::string>, std::vector<Image>> cache;
  std::lock_guard<std::mutex> lock(mu);
  auto it = cache.find(w.files);
  if (it != cache.end()) return it->second;
  std::vector<Image> imgs(w.files.size());
  std::vector<std::string> errors(w.files.size());
  parallel_for(w.files.size(), [&](size_t b, size_t e) {
    for (size_t i = b; i < e; ++i) try {
        imgs[i] = read_image_file(w.files[i], Layout::HWC);
      } catch (const std::exception& ex) {
        errors[i] = ex.what();
      }
  });
  for (const auto& err : errors)
    if (!err.empty()) throw ImageFileError(w.name + ": " + err);
  return cache.emplace(w.files, std::move(imgs)).first->second;
}

}  // namespace

WorkloadSpec parse_workload(const std::string& name, uint64_t seed) {
  if (name.rfind("files:", 0) == 0) return parse_files_workload(name);
  const std::string usage = "bad workload name '" + name +
                            "' (expected uniform-n<N>-<S>, ragged-n<N>-<lo>-<hi>, large-n<N>-<lo>-<hi> or "
                            "aspect-n<N>-<lo>-<hi>, e.g. ragged-n32-384-1024, or files:DIR)";
  std::vector<std::string> parts;
  size_t b = 0;
  for (size_t i = 0; i <= name.size(); ++i)
    if (i == name.size() || name[i] == '-') {
      parts.push_back(name.substr(b, i - b));
      b = i + 1;
    }
  WorkloadSpec w;
  w.name = name;
  w.seed = seed;
  if (parts.size() < 3 || parts[1].size() < 2 || parts[1][0] != 'n') throw std::invalid_argument(usage);
  w.kind = parts[0];
  if (!parse_int(parts[1].substr(1), w.n)) throw std::invalid_argument(usage);
  if (w.kind == "uniform") {
    if (parts.size() != 3 || !parse_int(parts[2], w.lo)) throw std::invalid_argument(usage);
    w.hi = w.lo;
  } else if (w.kind == "ragged" || w.kind == "large" || w.kind == "aspect") {
    if (parts.size() != 4 || !parse_int(parts[2], w.lo) || !parse_int(parts[3], w.hi)) throw std::invalid_argument(usage);
  } else {
    throw std::invalid_argument(usage);
  }
  if (w.n < 1 || w.n > kMaxImages)
    throw std::invalid_argument(name + ": image count must be in [1, " + std::to_string(kMaxImages) + "]");
  if (w.lo < 1 || w.hi < w.lo || w.hi > kMaxSide)
    throw std::invalid_argument(name + ": sizes must satisfy 1 <= lo <= hi <= " + std::to_string(kMaxSide));
  if (w.kind == "aspect" && 2 * w.lo > w.hi / 2)
    throw std::invalid_argument(name + ": aspect workloads need 4 * lo <= hi");
  return w;
}

std::vector<ImageShape> workload_shapes(const WorkloadSpec& w) {
  if (w.kind == "files") {
    std::vector<ImageShape> s;
    for (const auto& im : decoded_files(w)) s.push_back(im.shape());
    return s;
  }
  Rng rng(splitmix64(w.seed ^ hash_name(w.kind)) ^ uint64_t(w.n) << 32 ^ uint64_t(w.lo) << 16 ^ uint64_t(w.hi));
  std::vector<ImageShape> s;
  for (int i = 0; i < w.n; ++i) {
    if (w.kind == "uniform") {
      s.push_back({w.lo, w.lo});
    } else if (w.kind == "aspect") {
      const int shorter = rng.uniform(w.lo, 2 * w.lo), longer = rng.uniform(w.hi / 2, w.hi);
      s.push_back(i % 2 ? ImageShape{longer, shorter} : ImageShape{shorter, longer});
    } else {
      const int h = rng.uniform(w.lo, w.hi);
      s.push_back({h, rng.uniform(w.lo, w.hi)});
    }
  }
  return s;
}

namespace {

struct Shape {
  bool ellipse;
  int y0, x0, y1, x1;  // bounding box
  int color[3];
};

int clamp255(int v) { return v < 0 ? 0 : (v > 255 ? 255 : v); }

}  // namespace

Image generate_image(int h, int w, uint64_t seed, int index, Layout layout) {
  if (h <= 0 || w <= 0) throw std::invalid_argument("generate_image: size must be positive");
  Rng rng(splitmix64(seed * 0x100000001B3ull + uint64_t(index) * 0x9E3779B97F4A7C15ull + uint64_t(h) * 131 + w));
  // Smooth shading: a coarse grid of control colours, bilinearly interpolated in 16.16 fixed point.
  const int gy = rng.uniform(2, 5), gx = rng.uniform(2, 5);
  std::vector<int> grid(size_t(gy + 1) * (gx + 1) * 3);
  const int base[3] = {rng.uniform(40, 215), rng.uniform(40, 215), rng.uniform(40, 215)};
  for (size_t i = 0; i < grid.size(); ++i) grid[i] = clamp255(base[i % 3] + rng.uniform(-70, 70));
  // Hard-edged objects.
  std::vector<Shape> shapes(size_t(rng.uniform(3, 8)));
  for (auto& s : shapes) {
    s.ellipse = rng.next() & 1;
    const int sh = std::max(1, rng.uniform(h / 10 + 1, h / 2 + 1)), sw = std::max(1, rng.uniform(w / 10 + 1, w / 2 + 1));
    s.y0 = rng.uniform(-sh / 2, h - 1);
    s.x0 = rng.uniform(-sw / 2, w - 1);
    s.y1 = s.y0 + sh;
    s.x1 = s.x0 + sw;
    for (int& c : s.color) c = rng.uniform(0, 255);
  }
  // Fine texture: stripes of period 2..5 pixels in one rectangle.
  const int ty0 = rng.uniform(0, h - 1), tx0 = rng.uniform(0, w - 1);
  const int ty1 = std::min(h, ty0 + 1 + h / 3), tx1 = std::min(w, tx0 + 1 + w / 3);
  const int period = rng.uniform(2, 5), slope = rng.uniform(0, 3), amp = rng.uniform(20, 60);
  const int noise = rng.uniform(3, 10);
  const uint64_t noise_seed = rng.next();

  Image img;
  img.h = h;
  img.w = w;
  img.layout = layout;
  img.pixels.resize(size_t(h) * w * 3);
  parallel_for(size_t(h), [&](size_t yb, size_t ye) {
    for (int y = int(yb); y < int(ye); ++y) {
      // 16.16 position in the control grid
      const long long fy = (long long)y * gy * 65536 / std::max(1, h - 1);
      const int iy = std::min(int(fy >> 16), gy - 1);
      const long long ty = fy - ((long long)iy << 16);
      for (int x = 0; x < w; ++x) {
        const long long fx = (long long)x * gx * 65536 / std::max(1, w - 1);
        const int ix = std::min(int(fx >> 16), gx - 1);
        const long long tx = fx - ((long long)ix << 16);
        int rgb[3];
        for (int c = 0; c < 3; ++c) {
          auto g = [&](int yy, int xx) { return (long long)grid[(size_t(yy) * (gx + 1) + xx) * 3 + c]; };
          const long long top = g(iy, ix) * (65536 - tx) + g(iy, ix + 1) * tx;
          const long long bot = g(iy + 1, ix) * (65536 - tx) + g(iy + 1, ix + 1) * tx;
          rgb[c] = int((top * (65536 - ty) + bot * ty) >> 32);
        }
        for (const auto& s : shapes) {
          if (y < s.y0 || y >= s.y1 || x < s.x0 || x >= s.x1) continue;
          if (s.ellipse) {
            const long long ry = s.y1 - s.y0, rx = s.x1 - s.x0;  // diameters; test in doubled coordinates
            const long long dy = 2LL * y + 1 - s.y0 - s.y1, dx = 2LL * x + 1 - s.x0 - s.x1;
            if (dy * dy * rx * rx + dx * dx * ry * ry > rx * rx * ry * ry) continue;
          }
          for (int c = 0; c < 3; ++c) rgb[c] = s.color[c];
        }
        if (y >= ty0 && y < ty1 && x >= tx0 && x < tx1) {
          const int d = ((x + slope * y) / period) & 1 ? amp : -amp;
          for (int c = 0; c < 3; ++c) rgb[c] += d;
        }
        const uint64_t r = splitmix64(noise_seed ^ ((uint64_t(y) << 32) | uint32_t(x)));
        for (int c = 0; c < 3; ++c) {
          const int v = clamp255(rgb[c] + int((r >> (16 * c)) % uint64_t(2 * noise + 1)) - noise);
          const size_t i = layout == Layout::HWC ? (size_t(y) * w + x) * 3 + c : (size_t(c) * h + y) * w + x;
          img.pixels[i] = uint8_t(v);
        }
      }
    }
  }, 16);
  return img;
}

Image workload_image(const WorkloadSpec& w, size_t i, Layout layout) {
  if (w.kind == "files") {
    const Image& im = decoded_files(w).at(i);
    return layout == Layout::HWC ? im : im.to_layout(layout);
  }
  const ImageShape s = workload_shapes(w).at(i);
  return generate_image(s.h, s.w, w.seed, int(i), layout);
}

std::vector<Image> generate_workload(const WorkloadSpec& w, Layout layout) {
  const std::vector<ImageShape> shapes = workload_shapes(w);
  std::vector<Image> out;
  out.reserve(shapes.size());
  for (size_t i = 0; i < shapes.size(); ++i)
    out.push_back(w.kind == "files" ? workload_image(w, i, layout)
                                    : generate_image(shapes[i].h, shapes[i].w, w.seed, int(i), layout));
  return out;
}

}  // namespace pb
