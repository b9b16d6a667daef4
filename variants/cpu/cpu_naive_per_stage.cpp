// Every stage is its own pass over the whole batch with a full-size intermediate: horizontal resize, vertical
// resize, (hf) round+clamp to uint8, crop, rescale, normalize, (Qwen) patchify. The CPU baseline.
#include "core/parallel.hpp"
#include "variants/cpu/cpu_stages.hpp"

namespace pb {
namespace {

using namespace cpu;

class CpuNaivePerStage final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    tables_ = FloatTables(plan);
    bufs_.clear();
    for (const Job& j : plan.jobs) {
      Bufs b;
      const size_t full = size_t(3) * j.rh * j.rw, win = size_t(3) * j.h * j.w;
      b.hpass = ws.allocate_array<float>(size_t(3) * j.src_h * j.rw, "horizontal pass");
      b.resized = ws.allocate_array<float>(full, "resized");
      if (plan.epilogue.mode == Mode::Hf) {
        b.q = ws.allocate_array<uint8_t>(full, "uint8 resized");
        b.qcrop = ws.allocate_array<uint8_t>(win, "uint8 crop");
      } else {
        b.crop = ws.allocate_array<float>(win, "crop");
      }
      b.rescaled = ws.allocate_array<float>(win, "rescaled");
      if (plan.layout != DstLayout::NCHW) b.normalized = ws.allocate_array<float>(win, "normalized");
      bufs_.push_back(b);
    }
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan& plan, const Inputs& in, const Output& out, void*) {
    const Epilogue& e = plan.epilogue;
    float* dst = static_cast<float*>(out.data);
    const size_t n = plan.jobs.size();
    for (size_t i = 0; i < n; ++i) {  // 1. horizontal pass over every source row
      const Job& j = plan.jobs[i];
      parallel_for(size_t(j.src_h), [&](size_t b, size_t end) {
        h_pass(in.images[size_t(j.src)], tables_.h(j), int(b), int(end), 0, j.rw, bufs_[i].hpass, 0, j.src_h);
      });
    }
    for (size_t i = 0; i < n; ++i) {  // 2. vertical pass -> full resized image
      const Job& j = plan.jobs[i];
      parallel_for(size_t(j.rh), [&](size_t b, size_t end) {
        for (int y = int(b); y < int(end); ++y)
          for (int c = 0; c < 3; ++c)
            for (int x = 0; x < j.rw; ++x)
              bufs_[i].resized[(size_t(c) * j.rh + y) * j.rw + x] =
                  v_tap(tables_.v(j), y, bufs_[i].hpass + size_t(c) * j.src_h * j.rw + x, size_t(j.rw), 0);
      });
    }
    if (e.mode == Mode::Hf)
      for (size_t i = 0; i < n; ++i) {  // 3. round + clamp to uint8, as torchvision does
        const Job& j = plan.jobs[i];
        const size_t full = size_t(3) * j.rh * j.rw;
        parallel_for(full, [&](size_t b, size_t end) {
          for (size_t k = b; k < end; ++k) bufs_[i].q[k] = uint8_t(quantize_u8(bufs_[i].resized[k]));
        }, 4096);
      }
    for (size_t i = 0; i < n; ++i) {  // 4. center crop (zero padding where the window leaves the image)
      const Job& j = plan.jobs[i];
      Bufs& bf = bufs_[i];
      parallel_for(size_t(j.h), [&](size_t b, size_t end) {
        for (int y = int(b); y < int(end); ++y)
          for (int c = 0; c < 3; ++c)
            for (int x = 0; x < j.w; ++x) {
              const size_t d = (size_t(c) * j.h + y) * j.w + x;
              const bool in_img = inside(j, y, x);
              const size_t s = (size_t(c) * j.rh + (j.y0 + y)) * j.rw + (j.x0 + x);
              if (e.mode == Mode::Hf) bf.qcrop[d] = in_img ? bf.q[s] : 0;
              else bf.crop[d] = in_img ? bf.resized[s] : 0.0f;
            }
      });
    }
    for (size_t i = 0; i < n; ++i) {  // 5. rescale by 1/255
      const Job& j = plan.jobs[i];
      Bufs& bf = bufs_[i];
      parallel_for(size_t(3) * j.h * j.w, [&](size_t b, size_t end) {
        for (size_t k = b; k < end; ++k) bf.rescaled[k] = (e.mode == Mode::Hf ? float(bf.qcrop[k]) : bf.crop[k]) * (1.0f / 255.0f);
      }, 4096);
    }
    for (size_t i = 0; i < n; ++i) {  // 6. normalize (into the output, or a buffer the layout stage reads)
      const Job& j = plan.jobs[i];
      Bufs& bf = bufs_[i];
      float* target = plan.layout == DstLayout::NCHW ? dst + j.dst : bf.normalized;
      const size_t plane = size_t(j.h) * j.w;
      parallel_for(3 * plane, [&](size_t b, size_t end) {
        for (size_t k = b; k < end; ++k) {
          const int c = int(k / plane), y = int((k % plane) / size_t(j.w)), x = int(k % size_t(j.w));
          // outside the image: the job's pad (normalized zero, or 0.0 for a batch-padding slot)
          target[k] = inside(j, y, x) ? (bf.rescaled[k] - e.mean_f[c]) / e.std_f[c] : j.pad[c];
        }
      }, 4096);
    }
    if (plan.layout != DstLayout::NCHW)
      for (size_t i = 0; i < n; ++i) {  // 7. layout: patchify into Qwen's patch-major rows, or channels last
        const Job& j = plan.jobs[i];
        parallel_for(size_t(j.h), [&](size_t b, size_t end) {
          for (int y = int(b); y < int(end); ++y)
            for (int c = 0; c < 3; ++c)
              for (int x = 0; x < j.w; ++x)
                store(plan, j, dst, c, y, x, bufs_[i].normalized[(size_t(c) * j.h + y) * j.w + x]);
        });
      }
  }

 private:
  struct Bufs {
    float* hpass = nullptr;
    float* resized = nullptr;
    uint8_t* q = nullptr;
    uint8_t* qcrop = nullptr;
    float* crop = nullptr;
    float* rescaled = nullptr;
    float* normalized = nullptr;
  };
  VariantInfo info_ = cpu_info("cpu_naive_per_stage",
                               "one pass per stage over full-size intermediates (H resize, V resize, round, crop, "
                               "rescale, normalize, patchify); float tables from setup");
  FloatTables tables_;
  std::vector<Bufs> bufs_;
};

}  // namespace

std::unique_ptr<Variant> make_cpu_naive_per_stage() { return std::make_unique<CpuNaivePerStage>(); }

}  // namespace pb
