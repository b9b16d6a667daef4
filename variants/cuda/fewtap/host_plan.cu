#include "variants/cuda/fewtap/host_plan.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace pb::cuda::fewtap {

namespace {

const char* const kName = "cuda_separable_fewtap";

// The tile of window rows [y, y + th) x columns [x, x + tw) of job i, with the source window its outputs' first taps
// span (kt taps each); none for a tile of padding only.
FewTapTile make_tile(const Job& j, int job, int y, int x, int th, int tw, const HostPlan& hp, int hfirst,
                     int vfirst) {
  FewTapTile t{job, y, x, th, tw, 0, 0, 0, 0};
  const int ya = std::max(j.y0 + y, 0), yb = std::min(j.y0 + y + th, j.rh);
  const int xa = std::max(j.x0 + x, 0), xb = std::min(j.x0 + x + tw, j.rw);
  if (ya >= yb || xa >= xb) return t;
  t.c0 = hp.tap0[size_t(hfirst + xa)];
  t.nc = hp.tap0[size_t(hfirst + xb - 1)] + hp.kt - t.c0;
  t.r0 = hp.tap0[size_t(vfirst + ya)];
  t.nr = hp.tap0[size_t(vfirst + yb - 1)] + hp.kt - t.r0;
  return t;
}

}  // namespace

HostPlan make_host_plan(const Plan& plan, bool chw, size_t max_smem) {
  const int taps = plan_max_taps(plan);
  if (taps > kMaxTaps)
    throw std::invalid_argument(std::string(kName) + ": the plan reads up to " + std::to_string(taps) +
                                " source pixels per output and axis (taps per axis), more than its " +
                                std::to_string(kMaxTaps));
  const bool qwen = plan.layout == DstLayout::QwenPatches;
  if (qwen && (plan.qwen.patch != kQwenP || plan.qwen.merge != kQwenM))
    throw std::invalid_argument(std::string(kName) + ": built for Qwen2.5-VL's " + std::to_string(kQwenP) +
                                "-pixel patches merged " + std::to_string(kQwenM) + " x " + std::to_string(kQwenM) +
                                ", not " + std::to_string(plan.qwen.patch) + " / " + std::to_string(plan.qwen.merge));
  for (const Job& j : plan.jobs)  // the kernel addresses a source image by 32-bit byte offsets
    if (3LL * j.src_h * j.src_w > kMaxImageBytes)
      throw std::invalid_argument(std::string(kName) + ": a " + std::to_string(j.src_w) + " x " +
                                  std::to_string(j.src_h) + " source image exceeds its " +
                                  std::to_string(kMaxImageBytes) + " bytes");
  HostPlan hp;
  hp.kt = taps <= 5 ? 5 : taps <= 8 ? 8 : 16;
  with_layout(plan.layout, [&](auto layout) {
    hp.tile_w = tile_w<decltype(layout)::value>();
    hp.threads = block_threads<decltype(layout)::value>();
  });
  // every table entry padded to kt weights, numbered as upload_plan numbers them (first[t]: table t's first entry)
  std::vector<int> first;
  for (const WeightTable& t : plan.tables) {
    first.push_back(int(hp.tap0.size()));
    for (int i = 0; i < t.out; ++i) {
      hp.tap0.push_back(t.start[size_t(i)]);
      for (int b = 0; b < hp.kt; ++b) hp.w.push_back(b < t.count[size_t(i)] ? float(t.row(i)[b]) : 0.f);
    }
  }
  // tiles of the kernel's width (Qwen: two merge windows); fewer rows where the source window would not fit
  constexpr int mw = kQwenP * kQwenM;  // a merge window's side
  const std::vector<std::array<int, 2>> shapes =
      qwen ? std::vector<std::array<int, 2>>{{mw, 2 * mw}}
           : std::vector<std::array<int, 2>>{{32, 64}, {16, 64}, {8, 64}, {4, 64}, {2, 64}, {1, 64}};
  for (size_t i = 0; i < plan.jobs.size(); ++i) {
    const Job& j = plan.jobs[i];
    const int hfirst = first[size_t(j.htab)], vfirst = first[size_t(j.vtab)];
    std::vector<FewTapTile> best;
    size_t best_cost = 0;
    for (const auto& sh : shapes) {
      std::vector<FewTapTile> mine;
      size_t worst = 0;
      for (int y = 0; y < j.h; y += sh[0])
        for (int x = 0; x < j.w; x += sh[1]) {
          mine.push_back(make_tile(j, int(i), y, x, std::min(sh[0], j.h - y), std::min(sh[1], j.w - x), hp, hfirst,
                                   vfirst));
          worst = std::max(worst, smem_of(mine.back(), qwen, hp.tile_w, hp.kt, chw).bytes());
        }
      if (best.empty() || worst < best_cost) {
        best = std::move(mine);
        best_cost = worst;
      }
      if (best_cost <= kPreferredSmem) break;
    }
    if (best_cost > max_smem)
      throw std::invalid_argument(std::string(kName) + ": the smallest tile of job " + std::to_string(i) + " needs " +
                                  std::to_string(best_cost) + " bytes of shared memory, the device allows " +
                                  std::to_string(max_smem));
    hp.smem = std::max(hp.smem, best_cost);
    hp.tiles.insert(hp.tiles.end(), best.begin(), best.end());
  }
  return hp;
}

}  // namespace pb::cuda::fewtap
