#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/image.hpp"

namespace pb {

constexpr uint64_t kDefaultSeed = 20261123;

// `<kind>-n<N>-<lo>[-<hi>]` (DESIGN.md):
//   uniform-n32-512         N images of 512x512
//   ragged-n32-384-1024     each side uniform in [lo, hi]
//   large-n4-3000-4096      same rule as ragged, meant for multi-megapixel images
//   aspect-n8-32-4096       extreme aspect ratios: short side in [lo, 2 lo], long side in [hi/2, hi],
//                           alternately tall and wide
//   files:DIR               the JPEG and PNG files of a folder (*.jpg, *.jpeg, *.png, by name), decoded as Pillow
//                           decodes them (workloads/image_file.hpp), once per process
struct WorkloadSpec {
  std::string name;
  std::string kind;  // uniform, ragged, large, aspect, files
  int n = 0;
  int lo = 0, hi = 0;
  uint64_t seed = kDefaultSeed;
  std::string dir;                 // files: the folder
  std::vector<std::string> files;  // files: its image files, sorted
};

WorkloadSpec parse_workload(const std::string& name, uint64_t seed = kDefaultSeed);  // throws std::invalid_argument
std::vector<ImageShape> workload_shapes(const WorkloadSpec& w);

// A photo-like image: smooth shading, hard-edged shapes, a patch of fine texture and sensor noise; never
// constant. Deterministic in (seed, index, h, w); integer arithmetic only.
Image generate_image(int h, int w, uint64_t seed, int index, Layout layout);
std::vector<Image> generate_workload(const WorkloadSpec& w, Layout layout);
// Image i of the workload alone: generated, or the decoded file.
Image workload_image(const WorkloadSpec& w, size_t i, Layout layout);

std::vector<std::string> example_workloads();

}  // namespace pb
