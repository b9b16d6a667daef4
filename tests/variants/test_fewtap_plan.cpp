// Design G's host plan (cuda_separable_fewtap, variants/cuda/fewtap/), on the host (no GPU needed): its tiles cover
// every output once, Qwen's tiles are whole merge windows, each tile's staged source window holds the kt taps the
// kernel reads for each of its outputs, the padded weights are the plan's, the shared memory it reserves covers
// every tile, and the plans it cannot take are refused with std::invalid_argument.
#include <gtest/gtest.h>

#ifdef PB_HAVE_CUDA
#include <stdexcept>

#include "core/pipeline.hpp"
#include "variants/auto_rule.hpp"
#include "variants/cuda/fewtap/host_plan.hpp"
#include "workloads/workload.hpp"

using namespace pb;
using namespace pb::cuda::fewtap;

namespace {

constexpr size_t kH200Smem = 227 * 1024;

std::vector<std::vector<ImageShape>> shape_sets() {
  return {workload_shapes(parse_workload("ragged-n5-33-700")), workload_shapes(parse_workload("aspect-n2-40-400")),
          {{480, 640}, {1024, 768}, {300, 301}}};
}

// Table entry numbering as upload_plan's: each table's entries after the previous tables'.
std::vector<int> first_entries(const Plan& p) {
  std::vector<int> first;
  int n = 0;
  for (const WeightTable& t : p.tables) {
    first.push_back(n);
    n += t.out;
  }
  return first;
}

}  // namespace

TEST(FewTapPlan, TilesCoverEveryOutputOnceAndStageEveryTap) {
  int plans = 0;
  for (const auto& p : all_pipelines())
    for (const auto& set : shape_sets())
      for (bool chw : {true, false}) {
        const Plan plan = make_plan(p, set, Mode::Hf);
        if (plan_max_taps(plan) > kMaxTaps) continue;  // refused: the next test
        SCOPED_TRACE(p.name + (chw ? " chw" : " hwc"));
        const HostPlan hp = make_host_plan(plan, chw, kH200Smem);
        ++plans;
        EXPECT_GE(hp.kt, plan_max_taps(plan));
        EXPECT_TRUE(hp.kt == 5 || hp.kt == 8 || hp.kt == 16) << hp.kt;
        EXPECT_LE(hp.smem, kH200Smem);
        const bool qwen = plan.layout == DstLayout::QwenPatches;
        EXPECT_EQ(hp.tile_w, qwen ? 56 : 64);
        EXPECT_EQ(hp.threads, 256);  // four row groups of 64 threads: whole warps, also for Qwen's 56 columns
        const std::vector<int> first = first_entries(plan);
        // the padded weights: the plan's, then zeros (dummy tables of padding jobs, wider than kt, are never read)
        ASSERT_EQ(hp.w.size(), hp.tap0.size() * size_t(hp.kt));
        for (size_t t = 0; t < plan.tables.size(); ++t) {
          const WeightTable& wt = plan.tables[t];
          if (wt.max_count() > hp.kt) continue;
          for (int i = 0; i < wt.out; ++i) {
            const size_t e = size_t(first[t] + i);
            ASSERT_EQ(hp.tap0[e], wt.start[size_t(i)]);
            for (int b = 0; b < hp.kt; ++b)
              ASSERT_EQ(hp.w[e * size_t(hp.kt) + size_t(b)], b < wt.count[size_t(i)] ? float(wt.row(i)[b]) : 0.f);
          }
        }
        std::vector<std::vector<int>> cover(plan.jobs.size());
        for (size_t i = 0; i < plan.jobs.size(); ++i) cover[i].assign(size_t(plan.jobs[i].h) * plan.jobs[i].w, 0);
        for (const FewTapTile& t : hp.tiles) {
          const Job& j = plan.jobs[size_t(t.job)];
          ASSERT_GT(t.th, 0);
          ASSERT_GT(t.tw, 0);
          ASSERT_LE(t.tw, hp.tile_w);
          ASSERT_LE(t.y + t.th, j.h);
          ASSERT_LE(t.x + t.tw, j.w);
          if (qwen) {  // whole merge windows: the copy-out writes the tile's patch rows as one run
            EXPECT_EQ(t.th, 28);
            EXPECT_EQ(t.y % 28, 0);
            EXPECT_EQ(t.x % 56, 0);
            EXPECT_EQ(t.tw % 28, 0);
          }
          EXPECT_LE(smem_of(t, qwen, hp.tile_w, hp.kt, chw).bytes(), hp.smem);
          for (int y = t.y; y < t.y + t.th; ++y)
            for (int x = t.x; x < t.x + t.tw; ++x) ++cover[size_t(t.job)][size_t(y) * j.w + x];
          // the kernel reads kt taps from each inside output's first one, inside the staged window; a tile of
          // padding only stages nothing
          bool rows_in = false, cols_in = false;
          for (int y = t.y; y < t.y + t.th; ++y) rows_in |= j.y0 + y >= 0 && j.y0 + y < j.rh;
          for (int x = t.x; x < t.x + t.tw; ++x) cols_in |= j.x0 + x >= 0 && j.x0 + x < j.rw;
          if (!rows_in || !cols_in) {
            EXPECT_EQ(t.nr * t.nc, 0);
            continue;
          }
          // window coordinates [w0, w0 + n) at offset off of a resized axis of len: their entries of table tab
          auto staged = [&](int w0, int n, int off, int len, int tab, int lo, int count) {
            for (int q = w0; q < w0 + n; ++q) {
              if (off + q < 0 || off + q >= len) continue;
              const size_t e = size_t(first[size_t(tab)] + off + q);
              EXPECT_GE(hp.tap0[e], lo);
              EXPECT_LE(hp.tap0[e] + hp.kt, lo + count);
            }
          };
          staged(t.x, t.tw, j.x0, j.rw, j.htab, t.c0, t.nc);
          staged(t.y, t.th, j.y0, j.rh, j.vtab, t.r0, t.nr);
        }
        for (size_t i = 0; i < cover.size(); ++i)
          for (int c : cover[i]) ASSERT_EQ(c, 1) << "job " << i;
      }
  EXPECT_GT(plans, 30);
}

// Refused with a reason (cuda_auto and Python's "auto" then take the next design): more than 16 taps per axis
// (SigLIP from a 3000 x 4096 photo: 40), a Qwen photo that max_pixels shrinks 4.5x, shared memory beyond the device's.
TEST(FewTapPlan, RefusesWhatItCannotTake) {
  const Plan siglip = make_plan(find_pipeline("siglip-so400m-384"), {{3000, 4096}}, Mode::Hf);
  EXPECT_THROW(make_host_plan(siglip, true, kH200Smem), std::invalid_argument);
  const Plan huge = make_plan(find_pipeline("qwen2.5-vl-7b"), {{16000, 16000}}, Mode::Hf);
  EXPECT_THROW(make_host_plan(huge, true, kH200Smem), std::invalid_argument);
  const Plan qwen = make_plan(find_pipeline("qwen2.5-vl-7b"), {{480, 640}}, Mode::Hf);
  EXPECT_THROW(make_host_plan(qwen, false, 16 * 1024), std::invalid_argument);
  // a source image past the kernel's 32-bit byte offsets (no pipeline's taps allow one yet: a plan edited to have it)
  Plan big = qwen;
  big.jobs[0].src_h = big.jobs[0].src_w = 26755;  // 3 x 26755^2 = 2147.5 M bytes > 2^31 - 64
  EXPECT_THROW(make_host_plan(big, true, kH200Smem), std::invalid_argument);
  big.jobs[0].src_h = big.jobs[0].src_w = 26754;  // 2147.4 M bytes: taken
  EXPECT_NO_THROW(make_host_plan(big, true, kH200Smem));
  // Qwen's near-identity resize: 5 taps, 28 x 56 tiles within the preferred 64 KB (4 blocks per SM)
  const HostPlan hp = make_host_plan(qwen, true, kH200Smem);
  EXPECT_EQ(hp.kt, 5);
  EXPECT_LE(hp.smem, kPreferredSmem);
}
#endif
