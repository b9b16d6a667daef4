// The strip tiles of cuda_separable_mma_strip, on the host (no GPU needed): every 16-row tile is stored exactly
// once, the row tiles of a strip enter and end in order and no chunk feeds more of them than the kernel keeps
// accumulators for, on every pipeline (upscales, LLaVA-NeXT's and InternVL's padding and tiles included); and on
// the headline the strips stage fewer source bytes than one tile per block, as counted by hand in the design log.
#include <gtest/gtest.h>

#ifdef PB_HAVE_CUDA
#include "core/pipeline.hpp"
#include "variants/cuda/mma/tile_stats.hpp"
#include "workloads/workload.hpp"

using namespace pb;

namespace {
std::vector<ImageShape> shapes(const std::string& workload) { return workload_shapes(parse_workload(workload)); }
}  // namespace

TEST(MmaStrips, CoverEveryRowTileOnceInOrder) {
  const std::vector<std::vector<ImageShape>> sets = {
      shapes("ragged-n5-33-700"), shapes("aspect-n2-40-400"), {{3000, 4096}, {224, 224}, {100, 1500}, {1500, 90}}};
  for (const auto& p : all_pipelines())
    for (const auto& set : sets) {
      const Plan plan = make_plan(p, set, Mode::Hf);
      const cuda::mma::MmaTileStats one = cuda::mma::mma_tile_stats(plan, 1);
      EXPECT_TRUE(one.covered) << p.name;
      for (int strip : {2, 5, 16}) {
        const cuda::mma::MmaTileStats s = cuda::mma::mma_tile_stats(plan, strip);
        EXPECT_TRUE(s.covered) << p.name << " strip " << strip;
        EXPECT_TRUE(s.ordered) << p.name << " strip " << strip;
        EXPECT_LE(s.max_fed, s.open_limit) << p.name << " strip " << strip;
        EXPECT_EQ(s.row_tiles, one.row_tiles) << p.name << " strip " << strip;
        EXPECT_LE(s.blocks, one.blocks) << p.name;
        EXPECT_LE(s.staged_bytes, one.staged_bytes) << p.name << " strip " << strip;
      }
    }
}

// SigLIP on the headline (mean 706 x 721 -> 384 x 384, scale ~1.9): a 16-row tile reads ~30 new source rows plus a
// ~8-row halo, 3 chunks of 16 rows one tile per block; a strip of 5 tiles reads ~5 x 30 + 8 = 158 rows, 10-11
// chunks: ~0.7 of the staged bytes (the columns are the same), and one fifth of the blocks.
TEST(MmaStrips, HeadlineStagesAboutAThirdLess) {
  const Plan plan = make_plan(find_pipeline("siglip-so400m-384"), shapes("ragged-n32-384-1024"), Mode::Hf);
  const cuda::mma::MmaTileStats one = cuda::mma::mma_tile_stats(plan, 1), five = cuda::mma::mma_tile_stats(plan, 5);
  EXPECT_EQ(one.blocks, 32 * 12 * 24);
  EXPECT_GE(five.blocks, 32 * 12 * 5);  // 24 row tiles: 5 + 5 + 5 + 5 + 4 at most
  const double r = double(five.staged_bytes) / double(one.staged_bytes);
  EXPECT_GT(r, 0.6);
  EXPECT_LT(r, 0.8);
  std::printf("headline staged bytes: %lld one tile per block, %lld strips of 5 (%.3f); blocks %lld -> %lld\n",
              one.staged_bytes, five.staged_bytes, r, one.blocks, five.blocks);
}
#else
TEST(MmaStrips, NeedTheCudaBuild) { GTEST_SKIP() << "the strip tables are built by the CUDA variants' setup"; }
#endif
