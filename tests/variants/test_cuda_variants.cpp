// Every CUDA variant against the float64 reference: all pipelines, both modes, both layouts, both output dtypes,
// through the harness path (poisoned output, fresh inputs). Skips, and says so, when no CUDA device is present;
// ctest reports such a run as skipped (SKIP_REGULAR_EXPRESSION), never as passed.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "harness/case_runner.hpp"
#include "harness/e2e.hpp"
#include "harness/parity.hpp"
#include "core/reference.hpp"
#include "variants/auto_rule.hpp"
#include "workloads/workload.hpp"

using namespace pb;

namespace {

std::vector<std::string> cuda_variants() {
  std::vector<std::string> v;
  for (const auto& e : variant_registry())
    if (e.backend == Backend::Cuda && e.built()) v.push_back(e.name);
  return v;
}

class CudaVariants : public ::testing::Test {
 protected:
  void SetUp() override {
    if (cuda_variants().empty()) GTEST_SKIP() << kNoCudaBuild;
    cuda_ = make_cuda_backend(why_);
    if (!cuda_) GTEST_SKIP() << why_;
  }
  Record run_case(CaseRunner& runner, const Case& c) { return runner.run(c); }
  // One launch of an already set-up variant on a poisoned output, checked against the reference.
  ParityResult launch_checked(const Launch& launch, const Plan& plan, const Output& out, const std::vector<float>& ref,
                              const PipelineSpec& spec, Mode mode) {
    const size_t bytes = size_t(plan.out_elems) * dtype_size(out.dtype);
    cuda_->poison(out.data, bytes);
    cuda_->run_untimed(launch);
    std::vector<uint8_t> host(bytes);
    cuda_->to_host(host.data(), out.data, bytes);
    return check_parity(ref, widen_output(host.data(), size_t(plan.out_elems), out.dtype), spec, mode, out.dtype);
  }
  // Variant v on every pipeline x mode x layout x dtype of the two small ragged workloads through the harness path:
  // ragged shapes with up- and downscaling, odd sizes, one image whose crop is wider than 1:3, and images packed
  // back to back (their buffers start at any byte).
  void expect_parity_everywhere(CaseRunner& runner, const std::string& v, const std::string& label = "") {
    for (const std::string workload : {"ragged-n5-33-700", "aspect-n2-40-400"})
      for (const auto& p : all_pipelines())
        for (Mode m : {Mode::Float, Mode::Hf})
          for (Layout l : {Layout::HWC, Layout::CHW})
            for (DType d : {DType::F32, DType::BF16}) {
              const Record r = run_case(runner, {v, p.name, workload, l, d, m});
              SCOPED_TRACE(v + " " + p.name + " " + workload + " " + mode_name(m) + " " + layout_name(l) + " " +
                           dtype_name(d) + label);
              ASSERT_EQ(r.status, "ok") << r.reason;
              EXPECT_TRUE(r.parity.ok);
              EXPECT_EQ(r.parity.unwritten, 0);
            }
  }
  std::unique_ptr<ExecBackend> cpu_ = make_cpu_backend();
  std::unique_ptr<ExecBackend> cuda_;
  std::string why_;
};

}  // namespace

TEST_F(CudaVariants, MatchReferenceEverywhere) {
  RunOptions opt;
  opt.gpu_reps = 1;
  opt.warmup = 0;
  opt.parity_seed = 1234567;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  for (const auto& v : cuda_variants()) expect_parity_everywhere(runner, v);
}

// Channels-last output (nhwc) from every CUDA variant, both dtypes and modes, including LLaVA-NeXT's batch padding.
TEST_F(CudaVariants, ChannelsLastMatchesReference) {
  RunOptions opt;
  opt.gpu_reps = 1;
  opt.warmup = 0;
  opt.parity_seed = 4321;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  for (const auto& v : cuda_variants())
    for (const char* p : {"siglip-so400m-384", "clip-vit-b32", "llava-next-336"})
      for (Mode m : {Mode::Float, Mode::Hf})
        for (DType d : {DType::F32, DType::BF16}) {
          Case c{v, p, "ragged-n5-33-700", Layout::HWC, d, m};
          c.out = OutLayout::ChannelsLast;
          const Record r = run_case(runner, c);
          SCOPED_TRACE(v + " " + p + " " + mode_name(m) + " " + dtype_name(d));
          ASSERT_EQ(r.status, "ok") << r.reason;
          EXPECT_EQ(r.extra.value("out_layout", ""), "nhwc");
          EXPECT_TRUE(r.parity.ok);
          EXPECT_EQ(r.parity.unwritten, 0);
        }
}

// Graph replay: every CUDA variant captured once into a CUDA graph, then replayed, passes the same parity check
// (the parity run replays the graph) and is recorded as such.
TEST_F(CudaVariants, GraphReplayMatchesReference) {
  RunOptions opt;
  opt.gpu_reps = 2;
  opt.warmup = 1;
  opt.parity_seed = 99;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  for (const auto& v : cuda_variants())
    for (const char* p : {"siglip-so400m-384", "qwen2.5-vl-7b", "llava-next-336"}) {
      const Record r = run_case(runner, {v, p, "ragged-n5-33-700", Layout::CHW, DType::F32, Mode::Hf,
                                         OutLayout::Native, LaunchMode::Graph});
      SCOPED_TRACE(v + " " + p);
      ASSERT_EQ(r.status, "ok") << r.reason;
      EXPECT_TRUE(r.parity.ok);
      EXPECT_EQ(r.extra.value("launch", ""), "cuda_graph");
      EXPECT_GT(r.samples_ms.at(0), 0.0);
    }
}

// End to end from pinned host memory: the overlapped schedule (groups of images, copies on one stream, kernels on
// another) produces the reference's output; the copy is slower than the kernel at PCIe speeds; a pipeline whose
// batch output does not split by image (LLaVA-NeXT's batch padding) is refused with a clear message.
TEST_F(CudaVariants, EndToEndFromPinnedHost) {
  WorkloadCache cache(5);
  E2EOptions o;
  o.groups = 3;
  o.reps = 3;
  const Case c{"cuda_separable_mma", "siglip-so400m-384", "ragged-n5-33-700", Layout::CHW, DType::F32, Mode::Hf};
  const std::vector<Record> r = run_e2e(c, o, cache, *cuda_);
  ASSERT_EQ(r.size(), 4u);
  const char* measures[] = {"e2e_h2d", "e2e_kernel", "e2e_serial", "e2e_overlap"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(r[i].extra["measure"], measures[i]);
    EXPECT_EQ(r[i].status, "ok") << r[i].reason;
    EXPECT_EQ(r[i].samples_ms.size(), 3u);
  }
  EXPECT_TRUE(r[3].has_parity && r[3].parity.ok) << r[3].parity.reason;
  EXPECT_EQ(r[3].extra["groups"], 3);
  EXPECT_GT(r[3].extra["h2d_gbps"].get<double>(), 1.0);
  EXPECT_GE(summarize(r[2].samples_ms).median, summarize(r[1].samples_ms).median);
  // the four records validate as a results document and have four distinct gate keys
  const nlohmann::json doc = make_results_document(nlohmann::json::object(), r);
  std::set<std::string> keys;
  for (const auto& j : doc["records"]) keys.insert(record_key(j));
  EXPECT_EQ(keys.size(), 4u);
  const Case llava{"cuda_separable_mma", "llava-next-336", "ragged-n5-33-700", Layout::CHW, DType::F32, Mode::Hf};
  try {
    run_e2e(llava, o, cache, *cuda_);
    ADD_FAILURE() << "llava-next-336 should be refused";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("batch padding"), std::string::npos) << e.what();
  }
}

// A kernel's shared-memory limit is process state, not instance state. With two live instances, the second needing
// less (a 400 px image after a 1536 px one), the first must still launch and be right. (prepbench e2e keeps one
// instance per group alive; lowering the limit broke the ring there with "invalid argument".)
TEST_F(CudaVariants, SharedMemoryLimitOnlyGrows) {
  WorkloadCache cache(3);
  const PipelineSpec& spec = find_pipeline("clip-vit-b32");
  const std::string big_w = "uniform-n1-1536", small_w = "uniform-n1-400";
  const auto& big = cache.parity(parse_workload(big_w), Layout::CHW);
  const auto& small = cache.parity(parse_workload(small_w), Layout::CHW);
  const Plan pbig = make_plan(spec, {big[0].shape()}, Mode::Hf), psmall = make_plan(spec, {small[0].shape()}, Mode::Hf);
  const DeviceBatch dbig = upload_batch(*cuda_, big, Layout::CHW), dsmall = upload_batch(*cuda_, small, Layout::CHW);
  Allocator& alloc = cuda_->allocator();
  const size_t bytes = size_t(pbig.out_elems) * 4;
  std::shared_ptr<void> out_mem(alloc.allocate(bytes), [&alloc](void* p) { alloc.release(p); });
  const Output out{out_mem.get(), DType::F32};
  for (const char* name : {"cuda_separable_ring", "cuda_separable_smem", "cuda_separable_mma"}) {
    SCOPED_TRACE(name);
    Workspace ws(alloc);
    auto first = make_variant(name), second = make_variant(name);
    const Launch launch = first->setup(pbig, dbig.inputs, out, ws);
    second->setup(psmall, dsmall.inputs, out, ws);
    const ParityResult p =
        launch_checked(launch, pbig, out, cache.reference(parse_workload(big_w), pbig), spec, Mode::Hf);
    EXPECT_TRUE(p.ok) << p.reason;
  }
}

// The persistent grid's tile counter returns to zero when a launch ends: the same instance, launched again on a
// poisoned output, covers every tile again. 8 images of 512 px make 2304 tiles, more than the device holds blocks,
// so blocks take several tiles each.
TEST_F(CudaVariants, PersistentGridRunsAgainAndAgain) {
  WorkloadCache cache(3);
  const PipelineSpec& spec = find_pipeline("siglip-so400m-384");
  const WorkloadSpec w = parse_workload("uniform-n8-512");
  const auto& images = cache.parity(w, Layout::HWC);
  std::vector<ImageShape> shapes;
  for (const auto& im : images) shapes.push_back(im.shape());
  const Plan plan = make_plan(spec, shapes, Mode::Float);
  const DeviceBatch batch = upload_batch(*cuda_, images, Layout::HWC);
  Allocator& alloc = cuda_->allocator();
  const size_t bytes = size_t(plan.out_elems) * 4;
  std::shared_ptr<void> out_mem(alloc.allocate(bytes), [&alloc](void* p) { alloc.release(p); });
  const Output out{out_mem.get(), DType::F32};
  Workspace ws(alloc);
  auto v = make_variant("cuda_separable_mma_persistent");
  const Launch launch = v->setup(plan, batch.inputs, out, ws);
  for (int n = 0; n < 3; ++n) {
    SCOPED_TRACE(n);
    const ParityResult p = launch_checked(launch, plan, out, cache.reference(w, plan), spec, Mode::Float);
    EXPECT_TRUE(p.ok) << p.reason;
    EXPECT_EQ(p.unwritten, 0);
  }
}

// Variant::rebind (the Python package's re-pointing of a cached setup): the tensor-core designs, set up on one
// batch and output, then re-pointed at another batch of the same shapes (other pixels) and another output, write
// that batch's reference into the new output and leave the old one as it was.
TEST_F(CudaVariants, RebindRePointsImagesAndOutput) {
  WorkloadCache cache(3);
  const PipelineSpec& spec = find_pipeline("qwen2.5-vl-7b");
  const WorkloadSpec w = parse_workload("ragged-n5-33-700");
  const auto& a = cache.parity(w, Layout::CHW);
  std::vector<Image> b;
  std::vector<ImageShape> shapes;
  for (size_t i = 0; i < a.size(); ++i) {
    shapes.push_back(a[i].shape());
    b.push_back(generate_image(a[i].h, a[i].w, 777, int(i), Layout::CHW));
  }
  const Plan plan = make_plan(spec, shapes, Mode::Hf);
  std::vector<ImageView> bviews;
  for (const auto& im : b) bviews.push_back(im.view());
  const std::vector<float> ref_a = cache.reference(w, plan), ref_b = run_reference(plan, bviews);
  const DeviceBatch da = upload_batch(*cuda_, a, Layout::CHW), db = upload_batch(*cuda_, b, Layout::CHW);
  Allocator& alloc = cuda_->allocator();
  const size_t bytes = size_t(plan.out_elems) * 4;
  std::shared_ptr<void> m1(alloc.allocate(bytes), [&alloc](void* p) { alloc.release(p); });
  std::shared_ptr<void> m2(alloc.allocate(bytes), [&alloc](void* p) { alloc.release(p); });
  const Output o1{m1.get(), DType::F32}, o2{m2.get(), DType::F32};
  for (const char* name :
       {"cuda_separable_mma", "cuda_separable_mma_persistent", "cuda_separable_mma_otf", "cuda_separable_mma_strip",
        "cuda_separable_mma_async", "cuda_auto"}) {
    SCOPED_TRACE(name);
    Workspace ws(alloc);
    auto v = make_variant(name);
    const Launch launch = v->setup(plan, da.inputs, o1, ws);
    EXPECT_TRUE(launch_checked(launch, plan, o1, ref_a, spec, Mode::Hf).ok);
    ASSERT_TRUE(v->rebind(db.inputs, o2, nullptr));
    const ParityResult p = launch_checked(launch, plan, o2, ref_b, spec, Mode::Hf);
    EXPECT_TRUE(p.ok) << p.reason;
    EXPECT_EQ(p.unwritten, 0);
    std::vector<uint8_t> host(bytes);
    cuda_->to_host(host.data(), o1.data, bytes);
    EXPECT_TRUE(check_parity(ref_a, widen_output(host.data(), size_t(plan.out_elems), DType::F32), spec, Mode::Hf,
                             DType::F32).ok) << "the first output changed after the rebind";
  }
  auto ring = make_variant("cuda_separable_ring");  // a design without it says so
  EXPECT_FALSE(ring->rebind(db.inputs, o2, nullptr));
}

// cuda_auto binds the first design of the rule (variants/auto_rule.cpp) that accepts the plan, and is that design:
// the harness records its name, and the two outputs agree bit for bit, on a downscaling pipeline, on Qwen's
// patches and on LLaVA-NeXT's padded grids.
TEST_F(CudaVariants, AutoRunsTheDesignItsRuleNames) {
  RunOptions opt;
  opt.gpu_reps = 1;
  opt.warmup = 0;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  WorkloadCache cache(11);
  const WorkloadSpec w = parse_workload("ragged-n5-33-700");
  const auto& images = cache.parity(w, Layout::CHW);
  std::vector<ImageShape> shapes;
  for (const auto& im : images) shapes.push_back(im.shape());
  // both branches of the rule, and LLaVA-NeXT's batch padding
  for (const char* p : {"siglip-so400m-384", "qwen2.5-vl-7b", "llava-next-336"}) {
    SCOPED_TRACE(p);
    const Plan plan = make_plan(find_pipeline(p), shapes, Mode::Hf);
    std::string first, ran;
    for (const std::string& n : auto_designs(Backend::Cuda, plan)) {
      auto v = make_variant(n);
      Workspace ws(cuda_->allocator());
      const DeviceBatch b = upload_batch(*cuda_, images, Layout::CHW);
      const std::shared_ptr<void> o = allocate_output(*cuda_, plan, DType::F32);
      try {
        v->setup(plan, b.inputs, {o.get(), DType::F32}, ws);
      } catch (const std::invalid_argument&) {  // e.g. design E on a GPU other than sm_90
        continue;
      }
      first = n;
      // the design that runs: the chosen one's own fallback where it has one (strips on a small plan)
      ran = v->dispatched().empty() ? n : v->dispatched();
      break;
    }
    const Record r = run_case(runner, {"cuda_auto", p, "ragged-n5-33-700", Layout::CHW, DType::F32, Mode::Hf});
    ASSERT_EQ(r.status, "ok") << r.reason;
    EXPECT_EQ(r.extra.value("dispatched_to", ""), ran);
    auto autov = make_variant("cuda_auto"), chosen = make_variant(first);
    const std::vector<float> a = execute_once(*cuda_, *autov, plan, images, Layout::CHW, DType::F32);
    const std::vector<float> b = execute_once(*cuda_, *chosen, plan, images, Layout::CHW, DType::F32);
    EXPECT_EQ(autov->dispatched(), ran);
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  }
}

// The strip designs (registers, async ring) at every strip length (PB_MMA_STRIP_TILES; the small batches here would
// otherwise get strips of one tile) against the float64 reference through the harness path: downscales, Qwen's
// upscales and patches, LLaVA-NeXT's padding, InternVL's tiles, both input layouts and modes, bf16; long strips
// refill the async ring many times. Their k-steps start at the strip's first source row, not at each row tile's, so
// they round apart from cuda_separable_mma (not bit-equal).
TEST_F(CudaVariants, StripsOfAnyLengthMatchReference) {
  RunOptions opt;
  opt.gpu_reps = 1;
  opt.warmup = 0;
  opt.parity_seed = 2468;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  for (const char* len : {"2", "3", "16"}) {
    ASSERT_EQ(setenv("PB_MMA_STRIP_TILES", len, 1), 0);
    for (const char* v : {"cuda_separable_mma_strip", "cuda_separable_mma_async"})
      expect_parity_everywhere(runner, v, std::string(" strips of ") + len);
  }
  ASSERT_EQ(setenv("PB_MMA_STRIP_TILES", "17", 1), 0);  // beyond kStripMaxTiles: the case fails with the reason
  const Record r = run_case(runner, {"cuda_separable_mma_strip", "siglip-so400m-384", "ragged-n5-33-700", Layout::CHW,
                                     DType::F32, Mode::Hf});
  unsetenv("PB_MMA_STRIP_TILES");
  EXPECT_NE(r.status, "ok");
  EXPECT_NE(r.reason.find("PB_MMA_STRIP_TILES=17"), std::string::npos) << r.reason;
}

TEST_F(CudaVariants, WorkspaceOrderingFollowsTheDesigns) {
  RunOptions opt;
  opt.gpu_reps = 1;
  opt.warmup = 0;
  opt.parity_seed = 7;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  auto peak = [&](const char* v) {
    return run_case(runner, {v, "siglip-so400m-384", "uniform-n4-512", Layout::HWC, DType::F32, Mode::Hf}).peak_workspace_bytes;
  };
  const long long naive = peak("cuda_naive_per_stage"), pointwise = peak("cuda_pointwise_fused"),
                  separable = peak("cuda_separable_two_pass"), fused = peak("cuda_gather_2d");
  EXPECT_GT(naive, pointwise);
  EXPECT_GT(pointwise, separable);
  EXPECT_GT(separable, fused);
  // separable keeps exactly the H pass of the needed rows: 3 x 512 rows x 384 columns of float per image
  const long long tables = fused;  // the 2-D gather holds only the job/tile/weight tables
  EXPECT_GE(separable - tables, 4LL * 3 * 512 * 384 * 4);
}

// CUPTI breakdown of one repetition: separable two-pass is exactly two kernels (H pass then V pass); their
// durations sum to no more than the event time of the same repetition, and the harness reports the difference.
TEST_F(CudaVariants, ProfiledRepetitionListsEveryKernel) {
  RunOptions opt;
  opt.gpu_reps = 1;
  opt.warmup = 1;
  opt.parity_seed = 3;
  CaseRunner runner(*cpu_, cuda_.get(), "", opt);
  const Record r =
      runner.run({"cuda_separable_two_pass", "siglip-so400m-384", "ragged-n4-300-600", Layout::CHW, DType::F32, Mode::Hf});
  ASSERT_EQ(r.status, "ok") << r.reason;
  const auto& p = r.extra["profile"];
  const auto& k = r.extra["kernels"];
  ASSERT_EQ(p["kernel_count"], 2);
  ASSERT_EQ(k.size(), 2u);
  EXPECT_NE(k[0]["name"].get<std::string>().find("hpass"), std::string::npos);
  EXPECT_NE(k[1]["name"].get<std::string>().find("vpass"), std::string::npos);
  EXPECT_GT(k[0]["registers"].get<int>(), 0);
  EXPECT_EQ(k[0]["block"], nlohmann::json::parse("[32, 8, 1]"));
  EXPECT_LE(p["kernels_sum_ms"].get<double>(), p["event_ms"].get<double>());
  EXPECT_GE(p["launch_gap_ms"].get<double>(), 0.0);
  EXPECT_NEAR(p["launch_gap_ms"].get<double>(), p["event_ms"].get<double>() - p["kernels_sum_ms"].get<double>(), 1e-9);
}

// The on-the-fly design computes antialiased bicubic and bilinear weights only; any other table is refused in
// setup with a message naming the filter, before any device work (so this runs without a GPU too).
TEST(CudaVariantSetup, OnTheFlyWeightsRefuseTablesTheyCannotCompute) {
  if (!find_variant("cuda_separable_mma_otf").built()) GTEST_SKIP() << kNoCudaBuild;
  auto cpu = make_cpu_backend();
  Workspace ws(cpu->allocator());
  Plan plan = make_plan(find_pipeline("clip-vit-b32"), {{100, 120}}, Mode::Float);
  auto v = make_variant("cuda_separable_mma_otf");
  Plan plain = plan;
  plain.antialias = false;
  Plan lanczos = plan;
  lanczos.filter = Filter::Lanczos;
  for (const auto& [p, mention] : {std::pair<const Plan*, std::string>{&plain, "bicubic without antialias"},
                                   {&lanczos, "not lanczos"}}) {
    try {
      v->setup(*p, Inputs{}, Output{}, ws);
      ADD_FAILURE() << "setup should refuse: " << mention;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(mention), std::string::npos) << e.what();
    }
  }
}
