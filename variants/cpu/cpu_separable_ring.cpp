// Every stage writes straight to the final output: work units are (job, block of output rows); each keeps a ring
// of horizontally-resampled source rows (only the window's columns, only the rows the vertical taps need) and one
// accumulator row, so the sole intermediate is kmax + 1 rows per thread. Crop and patchify are folded into the output coordinates.
#include <atomic>
#include <mutex>

#include "core/parallel.hpp"
#include "variants/cpu/cpu_stages.hpp"

namespace pb {
namespace {

using namespace cpu;

constexpr int kRowsPerUnit = 16;

class CpuSeparableRing final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    tables_ = FloatTables(plan);
    units_.clear();
    ring_rows_ = 1;
    ring_cols_ = 1;
    for (size_t i = 0; i < plan.jobs.size(); ++i) {
      const Job& j = plan.jobs[i];
      for (int y = 0; y < j.h; y += kRowsPerUnit) units_.push_back({int(i), y, std::min(j.h, y + kRowsPerUnit)});
      ring_rows_ = std::max(ring_rows_, tables_.v(j).stride);
      ring_cols_ = std::max(ring_cols_, j.xb - j.xa);
    }
    // One ring per concurrent chunk: parallel_for runs at most thread_count() chunks at once.
    slots_ = thread_count();
    // per slot: kmax ring rows + one accumulator row, each 3 channels x the widest window
    ring_ = ws.allocate_array<float>(size_t(slots_) * (ring_rows_ + 1) * 3 * ring_cols_, "row rings");
    free_.assign(size_t(slots_), true);
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan& plan, const Inputs& in, const Output& out, void*) {
    float* dst = static_cast<float*>(out.data);
    parallel_for(units_.size(), [&](size_t b, size_t end) {
      float* ring = acquire();
      for (size_t u = b; u < end; ++u) do_unit(plan, in, units_[u], ring, dst);
      release(ring);
    });
  }

 private:
  struct Unit {
    int job, y0, y1;  // output rows [y0, y1) of the job's window
  };

  void do_unit(const Plan& plan, const Inputs& in, const Unit& u, float* ring, float* dst) const {
    const Job& j = plan.jobs[size_t(u.job)];
    const FloatTable& th = tables_.h(j);
    const FloatTable& tv = tables_.v(j);
    const Epilogue& e = plan.epilogue;
    const int xa = j.xa, xb = j.xb, nx = xb - xa;
    const size_t slot = size_t(3) * nx;
    int have_lo = 0, have_hi = 0;  // source rows currently in the ring
    for (int y = u.y0; y < u.y1; ++y) {
      const int ry = j.y0 + y;
      if (ry < 0 || ry >= j.rh || nx <= 0) {  // a padding row
        for (int c = 0; c < 3; ++c)
          for (int x = 0; x < j.w; ++x) store(plan, j, dst, c, y, x, j.pad[c]);
        continue;
      }
      const int s = tv.start[ry], cnt = tv.count[ry];
      if (s >= have_hi || s < have_lo) have_lo = have_hi = s;  // nothing reusable
      have_lo = s;
      for (int r = std::max(have_hi, s); r < s + cnt; ++r)
        h_pass(in.images[size_t(j.src)], th, r, r + 1, xa, xb, ring + size_t(r % ring_rows_) * slot, r, 1);
      have_hi = std::max(have_hi, s + cnt);
      // Vertical taps row by row into the accumulator row (contiguous, so the compiler vectorizes it).
      const float* w = tv.row(ry);
      float* acc = ring + size_t(ring_rows_) * slot;
      std::fill(acc, acc + slot, 0.0f);
      for (int k = 0; k < cnt; ++k) {
        const float* src = ring + size_t((s + k) % ring_rows_) * slot;
        const float wk = w[k];
        for (size_t i = 0; i < slot; ++i) acc[i] += wk * src[i];
      }
      for (int c = 0; c < 3; ++c)
        for (int x = 0; x < j.w; ++x) {
          const int rx = j.x0 + x;
          store(plan, j, dst, c, y, x, rx >= 0 && rx < j.rw ? epilogue_value(e, acc[size_t(c) * nx + (rx - xa)], c) : j.pad[c]);
        }
    }
  }

  float* acquire() {
    std::lock_guard<std::mutex> lk(m_);
    for (int s = 0; s < slots_; ++s)
      if (free_[size_t(s)]) {
        free_[size_t(s)] = false;
        return ring_ + size_t(s) * (ring_rows_ + 1) * 3 * ring_cols_;
      }
    throw std::logic_error("cpu_separable_ring: more concurrent chunks than row rings");
  }
  void release(float* ring) {
    std::lock_guard<std::mutex> lk(m_);
    free_[size_t((ring - ring_) / (ptrdiff_t(ring_rows_ + 1) * 3 * ring_cols_))] = true;
  }

  VariantInfo info_ = cpu_info("cpu_separable_ring",
                               "one pass straight to the final layout: per thread a ring of kmax horizontally "
                               "resampled rows, crop/normalize/patchify folded into output coordinates");
  FloatTables tables_;
  std::vector<Unit> units_;
  int ring_rows_ = 1, ring_cols_ = 1, slots_ = 1;
  float* ring_ = nullptr;
  std::mutex m_;
  std::vector<bool> free_;
};

}  // namespace

std::unique_ptr<Variant> make_cpu_separable_ring() { return std::make_unique<CpuSeparableRing>(); }

}  // namespace pb
