#include "core/reference.hpp"

#include <algorithm>
#include <array>
#include <map>
#include <cmath>
#include <stdexcept>

#include "core/layout.hpp"
#include "core/parallel.hpp"
#include "core/pillow.hpp"
#include "core/resample.hpp"
#include "core/torchvision_aa.hpp"

namespace pb {

void check_batch_matches(const Plan& plan, const std::vector<ImageView>& images) {
  if (images.size() != plan.inputs.size())
    throw std::invalid_argument("batch has " + std::to_string(images.size()) + " images, plan expects " +
                                std::to_string(plan.inputs.size()));
  for (size_t i = 0; i < images.size(); ++i)
    if (!(images[i].shape() == plan.inputs[i]) || images[i].data == nullptr)
      throw std::invalid_argument("image " + std::to_string(i) + " does not match the plan's shape");
}

std::vector<double> reference_resized_window(const Plan& plan, const Job& job, const ImageView& img) {
  const WeightTable& ht = plan.htable(job);
  const WeightTable& vt = plan.vtable(job);
  // The part of the window inside the resized image; the rest is padding.
  const int ya = job.ya, yb = job.yb, xa = job.xa, xb = job.xb;
  std::vector<double> out(size_t(3) * job.h * job.w, 0.0);
  if (ya >= yb || xa >= xb) return out;  // wholly padding
  // The horizontal pass over just the source rows the vertical pass needs.
  const int r0 = job.r0, nx = xb - xa, nr = job.r1 - job.r0;
  std::vector<double> tmp(size_t(3) * nr * nx);
  parallel_for(size_t(nr), [&](size_t b, size_t e) {
    for (size_t r = b; r < e; ++r)
      for (int c = 0; c < 3; ++c)
        for (int x = xa; x < xb; ++x) {
          const double* w = ht.row(x);
          double acc = 0.0;
          for (int k = 0; k < ht.count[x]; ++k) acc += w[k] * img.at(c, r0 + int(r), ht.start[x] + k);
          tmp[(size_t(c) * nr + r) * nx + (x - xa)] = acc;
        }
  });
  parallel_for(size_t(yb - ya), [&](size_t b, size_t e) {
    for (size_t yi = b; yi < e; ++yi) {
      const int y = ya + int(yi);
      const double* w = vt.row(y);
      for (int c = 0; c < 3; ++c)
        for (int x = xa; x < xb; ++x) {
          double acc = 0.0;
          for (int k = 0; k < vt.count[y]; ++k)
            acc += w[k] * tmp[(size_t(c) * nr + (vt.start[y] + k - r0)) * nx + (x - xa)];
          out[(size_t(c) * job.h + (y - job.y0)) * job.w + (x - job.x0)] = acc;
        }
    }
  });
  return out;
}

// A resized window (rows [ya, yb) x columns [xa, xb), channel-major) placed in the job's window, as doubles; the
// rest, padding, is 0.
template <typename T>
static std::vector<double> in_job_window(const Job& job, const std::vector<T>& r) {
  std::vector<double> out(size_t(3) * job.h * job.w, 0.0);
  const int ny = job.yb - job.ya, nx = job.xb - job.xa;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x)
        out[(size_t(c) * job.h + (job.ya + y - job.y0)) * job.w + (job.xa + x - job.x0)] = r[(size_t(c) * ny + y) * nx + x];
  return out;
}

// Pillow's uint8 resize of the job's window (the part inside the resized image).
static std::vector<double> pillow_window(const Plan& plan, const Job& job, const ImageView& img) {
  if (job.ya >= job.yb || job.xa >= job.xb) return std::vector<double>(size_t(3) * job.h * job.w, 0.0);
  return in_job_window(job, pillow_resize_window(img, job.rh, job.rw, plan.filter, job.ya, job.yb, job.xa, job.xb));
}

// torchvision's float32 CUDA resize of the job's window (core/torchvision_aa.hpp).
static std::vector<double> torchvision_window(const Plan& plan, const Job& job, const ImageView& img) {
  if (job.ya >= job.yb || job.xa >= job.xb) return std::vector<double>(size_t(3) * job.h * job.w, 0.0);
  return in_job_window(job, torchvision_aa_window(img, job.rh, job.rw, plan.filter, job.ya, job.yb, job.xa, job.xb));
}

// hf mode is defined as torchvision's uint8 resize on CUDA: its float32 arithmetic decides the rounding ties that a
// float64 resize would round the other way (flat regions of real photos put many values exactly on .5).
static bool hf_is_torchvision(const Plan& plan) {
  return plan.mode == Mode::Hf && plan.antialias && (plan.filter == Filter::Bicubic || plan.filter == Filter::Bilinear);
}

std::vector<float> run_reference(const Plan& plan, const std::vector<ImageView>& images) {
  check_batch_matches(plan, images);
  std::vector<float> out(size_t(plan.out_elems));
  const Epilogue& e = plan.epilogue;
  for (const Job& job : plan.jobs) {
    const ImageView& img = images[job.src];
    const std::vector<double> win = plan.mode == Mode::Pil   ? pillow_window(plan, job, img)
                                    : hf_is_torchvision(plan) ? torchvision_window(plan, job, img)
                                                              : reference_resized_window(plan, job, img);
    for (int c = 0; c < 3; ++c)
      for (int y = 0; y < job.h; ++y)
        for (int x = 0; x < job.w; ++x) {
          const int ry = job.y0 + y, rx = job.x0 + x;
          const bool inside = ry >= 0 && ry < job.rh && rx >= 0 && rx < job.rw;
          const float v = inside ? epilogue_f64(e, plan.mean.data(), plan.std.data(), win[(size_t(c) * job.h + y) * job.w + x], c) : job.pad[c];
          for_each_dst(plan.layout, plan.qwen, job, c, y, x, [&](long long i) { out[size_t(i)] = v; });
        }
  }
  return out;
}

}  // namespace pb
