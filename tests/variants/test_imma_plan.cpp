// Design F's host plan (cuda_separable_imma, variants/cuda/imma/), on the host (no GPU needed): its tiles cover
// every output once, each warp's K window and each tile's chunks hold every tap its outputs read, the staged rows
// have the strides the kernel's aligned, conflict-free B loads assume, and the A fragments hold each column's
// weights as three chained limbs (their sum within half a step of the weight, inside the s32 bound), laid out as
// PTX's m16n8k32 A fragment (row g / g + 8, bytes 4t..4t+3 / 16 + 4t..) read back here by hand.
#include <gtest/gtest.h>

#ifdef PB_HAVE_CUDA
#include <cmath>
#include <cstdlib>

#include "core/pipeline.hpp"
#include "variants/auto_rule.hpp"
#include "variants/cuda/imma/host_plan.hpp"
#include "workloads/workload.hpp"

using namespace pb;
using namespace pb::cuda::imma;

namespace {

std::vector<std::vector<ImageShape>> shape_sets() {
  return {workload_shapes(parse_workload("ragged-n5-33-700")), workload_shapes(parse_workload("aspect-n2-40-400")),
          {{3000, 4096}, {224, 224}, {100, 1500}, {1500, 90}}};
}

// The signed digit of limb l of (output column m, k) of a warp's fragments (m16n8k32 A: 16 rows x 32 bytes per
// k-step; lane 4g + t holds rows g (x, z) and g + 8 (y, w), bytes 4t..4t+3 of columns 0-15 (x, y) and 16-31 (z, w)).
int digit(const HostPlan& hp, int frag0, int m, int k, int l) {
  const int ks = k / 32, kk = k % 32, g = m % 8, t = (kk % 16) / 4;
  const uint4& f = hp.hfrag[size_t(frag0 + (ks * kLimbs + l) * 32 + 4 * g + t)];
  const uint32_t r = m < 8 ? (kk < 16 ? f.x : f.z) : (kk < 16 ? f.y : f.w);
  return int(int8_t(uint8_t(r >> (8 * (kk % 4)))));
}

}  // namespace

TEST(ImmaPlan, TilesCoverEveryOutputOnceAndStageEveryTap) {
  for (const auto& p : all_pipelines())
    for (const auto& set : shape_sets()) {
      const Plan plan = make_plan(p, set, Mode::Hf);
      const cuda::DevPlan d = cuda::host_dev_plan(plan);
      const HostPlan hp = make_host_plan(plan, d);
      ASSERT_EQ(hp.sstride % 16, 0);
      ASSERT_EQ(hp.sstride / 16 % 2, 1) << "staged rows 16 bytes apart in bank groups";
      std::vector<std::vector<int>> covered(d.host_jobs.size());
      for (size_t ji = 0; ji < d.host_jobs.size(); ++ji)
        covered[ji].assign(size_t(d.host_jobs[ji].h) * size_t(d.host_jobs[ji].w), 0);
      for (const ITile& tl : hp.tiles) {
        const cuda::DevJob& j = d.host_jobs[size_t(tl.job)];
        const WeightTable& th = plan.htable(plan.jobs[size_t(tl.job)]);
        const WeightTable& tv = plan.vtable(plan.jobs[size_t(tl.job)]);
        ASSERT_EQ(tl.nc % 16, 0);
        ASSERT_LE(tl.nc, hp.sstride);
        ASSERT_LE(tl.nks, hp.max_nks);
        for (int w = 0; w < kWarps; ++w) {
          const int x0 = tl.x + 16 * w;
          if (x0 >= j.w) continue;
          const int lo = tl.cb + tl.kb[w], hi = lo + 32 * tl.nks;
          ASSERT_EQ(lo % 4, 0) << p.name << ": a warp's B words are aligned";
          ASSERT_LE(tl.kb[w] + 32 * tl.nks, hp.sstride) << p.name << ": a warp's B words inside its staged row";
          for (int x = x0; x < std::min(x0 + 16, j.w); ++x) {
            const int rc = j.x0 + x;
            if (rc < 0 || rc >= th.out) continue;
            EXPECT_GE(th.start[size_t(rc)], lo) << p.name << " column " << x;
            EXPECT_LE(th.start[size_t(rc)] + th.count[size_t(rc)], hi) << p.name << " column " << x;
            EXPECT_LE(th.start[size_t(rc)] + th.count[size_t(rc)], tl.cb + tl.nc) << p.name << ": taps staged";
          }
        }
        for (int y = tl.y; y < std::min(tl.y + kTileH, j.h); ++y) {
          const int rc = j.y0 + y;
          if (rc >= 0 && rc < tv.out) {
            EXPECT_GE(tv.start[size_t(rc)], tl.r0) << p.name << " row " << y;
            EXPECT_LE(tv.start[size_t(rc)] + tv.count[size_t(rc)], tl.r0 + kChunk * tl.chunks)
                << p.name << " row " << y;
          }
          for (int x = tl.x; x < std::min(tl.x + kTileW, j.w); ++x) ++covered[size_t(tl.job)][size_t(y) * j.w + x];
        }
      }
      for (const std::vector<int>& c : covered)
        for (int n : c) ASSERT_EQ(n, 1) << p.name << ": every output in exactly one tile";
    }
}

// The auto rule counts F's work from the plan alone (variants/auto_rule.cpp): the same tiles and costs as the host
// plan lays out.
TEST(ImmaPlan, AutoRuleCountsTheHostPlansWork) {
  for (const auto& p : all_pipelines())
    for (const auto& set : shape_sets()) {
      const Plan plan = make_plan(p, set, Mode::Hf);
      const HostPlan hp = make_host_plan(plan, cuda::host_dev_plan(plan));
      long long total = 0, heaviest = 0;
      for (const ITile& t : hp.tiles) {
        total += (long long)t.chunks * t.nks;
        heaviest = std::max(heaviest, (long long)t.chunks * t.nks);
      }
      const ImmaLoad L = imma_load(plan);
      EXPECT_EQ(L.tiles, (long long)hp.tiles.size()) << p.name;
      EXPECT_EQ(L.total, total) << p.name;
      EXPECT_EQ(L.heaviest, heaviest) << p.name;
    }
}

// Staging slots (variants/cuda/imma/slots.cuh) only where the blocks per SM the registers allow still fit an H200
// SM's 228 KB. By hand: 3072 (hf table) + 2 x 48 x sstride (stage) + 4096 (vertical fragments) + 8192 per slot, plus
// 1024 per block reserved: sstride 208 (SigLIP's headline) at 4 blocks: 4 x 44544 = 178176 <= 233472, two slots;
// sstride 1104 (CLIP large-n4) at 3 blocks: already 3 x 114176 = 342528 without slots, none.
TEST(ImmaPlan, StagingSlotsKeepTheBlocksPerSm) {
  constexpr size_t kH200 = 228 * 1024;
  EXPECT_EQ(smem_bytes(208, 2), 3072u + 2 * 48 * 208 + 4096 + 2 * 8192);
  EXPECT_EQ(staging_slots(208, true, kH200), 2);
  EXPECT_EQ(staging_slots(1104, false, kH200), 0);
  // at 4 blocks: 4 x (8192 + 96 s + 8192 n) <= 233472 (the 1024 reserved included), i.e. 96 s <= 50176 - 8192 n:
  // two slots up to s = 352, one up to 437
  EXPECT_EQ(staging_slots(352, true, kH200), 2);
  EXPECT_EQ(staging_slots(368, true, kH200), 1);
  EXPECT_EQ(staging_slots(448, true, kH200), 0);
}

TEST(ImmaPlan, FragmentsHoldEachColumnsWeightAsChainedLimbs) {
  for (const char* name : {"siglip-so400m-384", "clip-vit-b32", "qwen2.5-vl-7b"})
    for (const auto& set : shape_sets()) {
      const Plan plan = make_plan(find_pipeline(name), set, Mode::Hf);
      const cuda::DevPlan d = cuda::host_dev_plan(plan);
      const HostPlan hp = make_host_plan(plan, d);
      int checked = 0;
      for (const ITile& tl : hp.tiles) {
        if (tl.y != 0) continue;  // every column tile once (the row tiles share its fragments)
        const cuda::DevJob& j = d.host_jobs[size_t(tl.job)];
        const WeightTable& th = plan.htable(plan.jobs[size_t(tl.job)]);
        for (int w = 0; w < kWarps && tl.x + 16 * w < j.w; ++w) {
          const int frag0 = tl.hfrag0 + w * tl.nks * kLimbs * 32;
          for (int m = 0; m < 16 && tl.x + 16 * w + m < j.w; ++m) {
            const int rc = j.x0 + tl.x + 16 * w + m;
            const double scale = hp.scales[size_t(tl.scale0 + 16 * w + m)];
            long long sum = 0;
            for (int k = 0; k < 32 * tl.nks; ++k) {
              long long q = 0;
              for (int l = 0; l < kLimbs; ++l) q = q * 128 + digit(hp, frag0, m, k, l);
              sum += std::llabs(q);
              const int src = tl.cb + tl.kb[w] + k;
              double wt = 0;
              if (rc >= 0 && rc < th.out) {
                const int k0 = th.start[size_t(rc)];
                if (src >= k0 && src < k0 + th.count[size_t(rc)]) wt = th.row(rc)[src - k0];
              }
              ASSERT_LE(std::fabs(double(q) * scale - wt), 0.5 * scale + 1e-15)
                  << name << " column " << rc << " source " << src;
            }
            ASSERT_LT(255 * sum, 1LL << 31) << name << ": the chained s32 sum is exact for any uint8 source";
            ASSERT_LE(scale, std::ldexp(1.0, -20)) << name << ": at least 20 bits of weight";
            ++checked;
          }
        }
      }
      EXPECT_GT(checked, 0);
    }
}
#else
TEST(ImmaPlan, NeedsTheCudaBuild) { GTEST_SKIP() << "design F's tables are built by the CUDA variants' setup"; }
#endif
