#include "core/plan.hpp"

#include <stdexcept>

namespace pb {

long long Plan::input_bytes() const {
  long long b = 0;
  for (const auto& s : inputs) b += 3LL * s.h * s.w;
  return b;
}

Epilogue make_epilogue(const PipelineSpec& spec, Mode mode) {
  Epilogue e;
  e.hf = mode == Mode::Hf;
  e.mean = spec.mean;
  e.std = spec.std;
  const float inv_rescale = float(1.0 / spec.rescale);  // 255.0 exactly for 1/255
  for (int c = 0; c < 3; ++c) {
    e.scale[c] = float(spec.rescale / spec.std[c]);
    e.bias[c] = float(-spec.mean[c] / spec.std[c]);
    e.mean255[c] = float(spec.mean[c]) * inv_rescale;
    e.std255[c] = float(spec.std[c]) * inv_rescale;
    e.pad[c] = e.hf ? (0.0f - e.mean255[c]) / e.std255[c] : float((0.0 - spec.mean[c]) / spec.std[c]);
  }
  return e;
}

Plan make_plan(const PipelineSpec& spec, const std::vector<ImageShape>& inputs, Mode mode) {
  if (inputs.empty()) throw std::invalid_argument("empty batch: a plan needs at least one image");
  Plan p;
  p.pipeline = spec.name;
  p.mode = mode;
  p.filter = spec.filter;
  p.antialias = spec.antialias;
  p.epilogue = make_epilogue(spec, mode);
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
    switch (spec.geometry) {
      case Geometry::FixedSize:
        j.rh = j.h = spec.height;
        j.rw = j.w = spec.width;
        break;
      case Geometry::ShortestEdgeCrop: {
        const ImageShape r = shortest_edge_size(s, spec.shortest_edge);
        const Window win = center_crop_window(r, spec.crop_height, spec.crop_width);
        j.rh = r.h;
        j.rw = r.w;
        j.y0 = win.y0;
        j.x0 = win.x0;
        j.h = win.h;
        j.w = win.w;
        break;
      }
      case Geometry::QwenSmartResize: {
        const ImageShape r = smart_resize(s.h, s.w, spec.patch * spec.merge, spec.min_pixels, spec.max_pixels);
        j.rh = j.h = r.h;
        j.rw = j.w = r.w;
        break;
      }
    }
    for (int c = 0; c < 3; ++c) j.pad[c] = p.epilogue.pad[c];
    p.jobs.push_back(j);
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
  } else {
    p.layout = DstLayout::NCHW;
    const long long h = p.jobs[0].h, w = p.jobs[0].w;
    for (size_t i = 0; i < p.jobs.size(); ++i) p.jobs[i].dst = (long long)i * 3 * h * w;
    p.out_shape = {n, 3, h, w};
  }
  p.out_elems = 1;
  for (long long d : p.out_shape) p.out_elems *= d;
  return p;
}

}  // namespace pb
