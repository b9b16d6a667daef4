#include "core/plan.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace pb {

long long Plan::input_bytes() const {
  long long b = 0;
  for (const auto& s : inputs) b += 3LL * s.h * s.w;
  return b;
}

Epilogue make_epilogue(const PipelineSpec& spec, Mode mode) {
  Epilogue e;
  e.mode = mode;
  const float inv_rescale = float(1.0 / spec.rescale);  // 255.0 exactly for 1/255
  for (int c = 0; c < 3; ++c) {
    e.scale[c] = float(spec.rescale / spec.std[c]);
    e.bias[c] = float(-spec.mean[c] / spec.std[c]);
    e.mean255[c] = float(spec.mean[c]) * inv_rescale;
    e.std255[c] = float(spec.std[c]) * inv_rescale;
    e.mean_f[c] = float(spec.mean[c]);
    e.std_f[c] = float(spec.std[c]);
  }
  return e;
}

namespace {

// A resized side beyond this is refused: its weight table alone would be ~40 bytes per output coordinate (a
// 1 x 100000 image's CLIP shortest-edge resize is 224 x 22.4 M: 0.9 GB of table, 15 GB of resized image in HF).
constexpr int kMaxResizedSide = 1 << 20;

// Each job's tables (ragged batches and tiles repeat (in, out) pairs: each table is made once) and window span.
void bind_tables(Plan& p) {
  for (const Job& j : p.jobs)
    if (j.rh > kMaxResizedSide || j.rw > kMaxResizedSide)
      throw GeometryError("image " + std::to_string(j.src) + " (" + std::to_string(j.src_h) + "x" +
                          std::to_string(j.src_w) + ") would be resized to " + std::to_string(j.rh) + "x" +
                          std::to_string(j.rw) + ", beyond the " + std::to_string(kMaxResizedSide) +
                          " limit per side (an extreme aspect ratio)");
  std::map<std::pair<int, int>, int> index;
  auto table = [&](int in, int out) {
    auto it = index.find({in, out});
    if (it != index.end()) return it->second;
    p.tables.push_back(make_table(in, out, p.filter, p.antialias));
    return index[{in, out}] = int(p.tables.size()) - 1;
  };
  for (Job& j : p.jobs) {
    j.htab = table(j.src_w, j.rw);
    j.vtab = table(j.src_h, j.rh);
    j.ya = std::max(j.y0, 0);
    j.yb = std::max(j.ya, std::min(j.y0 + j.h, j.rh));
    j.xa = std::max(j.x0, 0);
    j.xb = std::max(j.xa, std::min(j.x0 + j.w, j.rw));
    const Span rows = p.vtable(j).span(j.ya, j.yb);
    j.r0 = rows.lo;
    j.r1 = rows.lo + rows.n;
  }
}

}  // namespace

Plan make_plan(const PipelineSpec& spec, const std::vector<ImageShape>& inputs, Mode mode,
               const std::vector<ImageShape>& targets) {
  if (inputs.empty()) throw std::invalid_argument("empty batch: a plan needs at least one image");
  if (!targets.empty() && spec.geometry != Geometry::QwenSmartResize)
    throw std::invalid_argument("per-image target sizes apply to Qwen's patch-major geometry only, not " +
                                std::string(geometry_name(spec.geometry)));
  if (!targets.empty() && targets.size() != inputs.size())
    throw std::invalid_argument(std::to_string(targets.size()) + " target sizes for " +
                                std::to_string(inputs.size()) + " images");
  Plan p;
  p.pipeline = spec.name;
  p.mode = mode;
  p.filter = spec.filter;
  p.antialias = spec.antialias;
  p.epilogue = make_epilogue(spec, mode);
  p.mean = spec.mean;
  p.std = spec.std;
  p.inputs = inputs;
  const long long n = (long long)inputs.size();

  for (size_t i = 0; i < inputs.size(); ++i) {
    const ImageShape s = inputs[i];
    if (s.h <= 0 || s.w <= 0)
      throw GeometryError("image " + std::to_string(i) + " has zero size (" + std::to_string(s.h) + "x" +
                          std::to_string(s.w) + ")");
    Job j;
    j.src = int(i);
    j.src_h = s.h;
    j.src_w = s.w;
    for (int c = 0; c < 3; ++c) j.pad[c] = epilogue_f64(p.epilogue, p.mean.data(), p.std.data(), 0.0, c);
    auto full = [](Job job, int h, int w) {  // the whole image resized to h x w
      job.rh = job.h = h;
      job.rw = job.w = w;
      job.y0 = job.x0 = 0;
      return job;
    };
    auto cropped = [&](Job job, ImageShape r) {  // resized to r, then the spec's center crop
      const Window win = center_crop_window(r, spec.crop_height, spec.crop_width);
      job.rh = r.h;
      job.rw = r.w;
      job.y0 = win.y0;
      job.x0 = win.x0;
      job.h = win.h;
      job.w = win.w;
      return job;
    };
    switch (spec.geometry) {
      case Geometry::FixedSize:  // with a crop: cv-utils' square mode with a crop_size
        p.jobs.push_back(spec.crop_height > 0 ? cropped(j, {spec.height, spec.width})
                                              : full(j, spec.height, spec.width));
        break;
      case Geometry::ShortestEdgeCrop:
        p.jobs.push_back(cropped(j, shortest_edge_size(s, spec.shortest_edge)));
        break;
      case Geometry::QwenSmartResize: {
        const int f = spec.patch * spec.merge;
        const ImageShape r = targets.empty() ? smart_resize(s.h, s.w, f, spec.min_pixels, spec.max_pixels) : targets[i];
        if (r.h <= 0 || r.w <= 0 || r.h % f || r.w % f)
          throw GeometryError("target size " + std::to_string(r.h) + "x" + std::to_string(r.w) + " of image " +
                              std::to_string(i) + " is not a positive multiple of patch * merge = " +
                              std::to_string(f) + " on each side");
        p.jobs.push_back(full(j, r.h, r.w));
        break;
      }
      case Geometry::InternVLTiles: {
        // one canvas of rows x cols tiles, cut row-major; a thumbnail of the whole image last unless one tile
        const TileGrid g = internvl_grid(s, spec.tile, spec.min_tiles, spec.max_tiles);
        for (int t = 0; t < g.cols * g.rows; ++t) {
          Job tj = j;
          tj.rh = g.rows * spec.tile;
          tj.rw = g.cols * spec.tile;
          tj.y0 = (t / g.cols) * spec.tile;
          tj.x0 = (t % g.cols) * spec.tile;
          tj.h = tj.w = spec.tile;
          p.jobs.push_back(tj);
        }
        if (g.cols * g.rows != 1) p.jobs.push_back(full(j, spec.tile, spec.tile));
        p.num_patches.push_back(g.cols * g.rows + (g.cols * g.rows != 1));
        break;
      }
      case Geometry::LlavaAnyres: {
        // base image first, then the patches of the padded canvas row-major (windows run into the padding)
        const int P = spec.base_size;
        const ImageShape target = llava_best_resolution(s, spec.pinpoints);
        const ImageShape fit = llava_fit_size(s, target);
        const int top = (target.h - fit.h) / 2, left = (target.w - fit.w) / 2;
        p.jobs.push_back(full(j, P, P));
        for (int r = 0; r < target.h / P; ++r)
          for (int c = 0; c < target.w / P; ++c) {
            Job pj = j;
            pj.rh = fit.h;
            pj.rw = fit.w;
            pj.y0 = r * P - top;
            pj.x0 = c * P - left;
            pj.h = pj.w = P;
            p.jobs.push_back(pj);
          }
        p.num_patches.push_back(1 + (target.h / P) * (target.w / P));
        p.image_sizes.push_back({s.h, s.w});
        break;
      }
    }
  }

  if (spec.geometry == Geometry::QwenSmartResize) {
    p.layout = DstLayout::QwenPatches;
    p.qwen = {spec.patch, spec.merge, spec.temporal};
    long long rows = 0;
    for (auto& j : p.jobs) {
      j.dst = rows;
      const long long gh = j.h / spec.patch, gw = j.w / spec.patch;
      p.grid_thw.push_back({1, gh, gw});  // one frame padded to T frames -> grid_t = 1
      rows += gh * gw;
    }
    p.out_shape = {rows, (long long)p.qwen.row_elems()};
  } else if (spec.geometry == Geometry::LlavaAnyres) {
    // (B, N_max, 3, P, P): image b's patches fill slots [0, N_b); the rest of its slots are batch padding, zeros
    // written after normalization, expressed as jobs whose window lies wholly outside a 1x1 image.
    p.layout = DstLayout::NCHW;
    const long long P = spec.base_size, slot = 3 * P * P;
    const long long nmax = *std::max_element(p.num_patches.begin(), p.num_patches.end());
    std::vector<Job> jobs;
    size_t k = 0;
    for (size_t b = 0; b < inputs.size(); ++b)
      for (long long s = 0; s < nmax; ++s) {
        Job j;
        if (s < p.num_patches[b]) {
          j = p.jobs[k++];
        } else {
          j = p.jobs[k - 1];
          j.rh = j.rw = 1;
          // below and right of the 1x1 image: every pixel of the window is padding, and neither axis has a
          // resized coordinate in it (with x0 = 0, column 0 was one: the designs that band each axis on its own
          // staged the whole source row for it, up to 2015 taps for one column)
          j.y0 = 1;
          j.x0 = 1;
          for (int c = 0; c < 3; ++c) j.pad[c] = 0.0f;
        }
        j.dst = ((long long)b * nmax + s) * slot;
        jobs.push_back(j);
      }
    p.jobs = jobs;
    p.out_shape = {n, nmax, 3, P, P};
  } else {
    p.layout = DstLayout::NCHW;  // one (3, h, w) slot per job, in job order
    const long long h = p.jobs[0].h, w = p.jobs[0].w;
    for (size_t i = 0; i < p.jobs.size(); ++i) p.jobs[i].dst = (long long)i * 3 * h * w;
    p.out_shape = {(long long)p.jobs.size(), 3, h, w};
  }
  p.out_elems = 1;
  for (long long d : p.out_shape) p.out_elems *= d;
  bind_tables(p);
  return p;
}

const char* dst_layout_name(DstLayout l) {
  switch (l) {
    case DstLayout::NCHW: return "nchw";
    case DstLayout::QwenPatches: return "qwen_patches";
    case DstLayout::NHWC: return "nhwc";
  }
  return "?";
}

void to_channels_last(Plan& p) {
  if (p.layout == DstLayout::NHWC) return;
  if (p.layout != DstLayout::NCHW)
    throw std::invalid_argument("pipeline " + p.pipeline + " writes " + dst_layout_name(p.layout) +
                                ", which has no channels-last form (nhwc applies to image tensors)");
  // (..., 3, H, W) -> (..., H, W, 3); the job slots keep their offsets and sizes
  const size_t n = p.out_shape.size();
  std::rotate(p.out_shape.begin() + long(n) - 3, p.out_shape.begin() + long(n) - 2, p.out_shape.end());
  p.layout = DstLayout::NHWC;
}

}  // namespace pb
