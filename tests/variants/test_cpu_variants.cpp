// Every CPU variant against the float64 reference on every pipeline, both modes, both layouts, through the same
// harness path `prepbench run` uses (poisoned output, fresh inputs, parity contract).
#include <gtest/gtest.h>

#include "core/parallel.hpp"
#include "core/reference.hpp"
#include "harness/case_runner.hpp"

using namespace pb;

namespace {

struct Fixture {
  std::unique_ptr<ExecBackend> cpu = make_cpu_backend();
  RunOptions opt() {
    RunOptions o;
    o.cpu_reps = 2;
    o.warmup = 0;
    o.parity_seed = 99;
    return o;
  }
};

Record run_case(CaseRunner& runner, const Case& c) { return runner.run(c); }

// Every CPU variant in the registry, so that a new one is tested without editing this file.
std::vector<std::string> cpu_variants() {
  std::vector<std::string> v;
  for (const auto& e : variant_registry())
    if (e.backend == Backend::Cpu) v.push_back(e.name);
  return v;
}

}  // namespace

// Each registry line names its variant and backend truly; a CUDA line in a build without CUDA has no factory and
// says why when asked for one.
TEST(Registry, EntriesAgreeWithTheirVariants) {
  EXPECT_GE(cpu_variants().size(), 3u);
  for (const auto& e : variant_registry()) {
    EXPECT_EQ(&find_variant(e.name), &e);
    if (!e.built()) {
      EXPECT_EQ(e.backend, Backend::Cuda) << e.name;
      try {
        make_variant(e.name);
        ADD_FAILURE() << e.name << ": make_variant of a variant that is not built must throw";
      } catch (const NotBuilt& x) {
        EXPECT_NE(std::string(x.what()).find("this build has no CUDA"), std::string::npos) << x.what();
      }
      continue;
    }
    const auto v = make_variant(e.name);
    EXPECT_EQ(v->info().name, e.name);
    EXPECT_EQ(v->info().backend, e.backend) << e.name;
    EXPECT_FALSE(v->info().description.empty()) << e.name;
  }
  EXPECT_THROW(find_variant("cpu_nope"), std::invalid_argument);
}

TEST(CpuVariants, MatchReferenceEverywhere) {
  Fixture f;
  CaseRunner runner(*f.cpu, nullptr, "no CUDA in this test", f.opt());
  for (const auto& v : cpu_variants())
    for (const auto& p : all_pipelines())
      for (Mode m : {Mode::Float, Mode::Hf})
        for (Layout l : {Layout::HWC, Layout::CHW}) {
          const Case c{v, p.name, "ragged-n3-60-300", l, DType::F32, m};
          const Record r = run_case(runner, c);
          SCOPED_TRACE(v + " " + p.name + " " + mode_name(m) + " " + layout_name(l));
          ASSERT_EQ(r.status, "ok") << r.reason;
          ASSERT_TRUE(r.has_parity);
          EXPECT_TRUE(r.parity.ok);
          EXPECT_EQ(r.parity.unwritten, 0);
          EXPECT_LE(r.parity.max_abs, m == Mode::Float ? 1e-4 : 0.0176);
        }
}

// Channels-last output (nhwc) from every CPU variant; Qwen's patch rows have none and are unsupported, not a crash.
TEST(CpuVariants, ChannelsLastMatchesReference) {
  Fixture f;
  CaseRunner runner(*f.cpu, nullptr, "no CUDA in this test", f.opt());
  for (const auto& v : cpu_variants())
    for (const char* p : {"clip-vit-b32", "llava-next-336", "internvl3-448"}) {
      Case c{v, p, "ragged-n3-60-300", Layout::HWC, DType::F32, Mode::Hf};
      c.out = OutLayout::ChannelsLast;
      const Record r = run_case(runner, c);
      SCOPED_TRACE(v + " " + p);
      ASSERT_EQ(r.status, "ok") << r.reason;
      EXPECT_EQ(r.extra.value("out_layout", ""), "nhwc");
      EXPECT_TRUE(r.parity.ok);
      EXPECT_EQ(r.parity.unwritten, 0);
    }
  Case q{"cpu_separable_ring", "qwen2.5-vl-7b", "uniform-n2-64", Layout::HWC, DType::F32, Mode::Hf};
  q.out = OutLayout::ChannelsLast;
  const Record r = run_case(runner, q);
  EXPECT_EQ(r.status, "unsupported");
  EXPECT_NE(r.reason.find("channels-last"), std::string::npos) << r.reason;
}

TEST(CpuVariants, Bf16IsUnsupportedNotACrash) {
  Fixture f;
  CaseRunner runner(*f.cpu, nullptr, "no CUDA", f.opt());
  const Record r = run_case(runner, {"cpu_separable_ring", "clip-vit-b32", "uniform-n2-64", Layout::HWC, DType::BF16, Mode::Hf});
  EXPECT_EQ(r.status, "unsupported");
  EXPECT_NE(r.reason.find("bf16"), std::string::npos);
}

TEST(CpuVariants, ExtremeAspectIsUnsupportedForQwen) {
  Fixture f;
  CaseRunner runner(*f.cpu, nullptr, "no CUDA", f.opt());
  const Record r = run_case(runner, {"cpu_separable_ring", "qwen2.5-vl-7b", "aspect-n2-2-1600", Layout::HWC, DType::F32, Mode::Hf});
  EXPECT_EQ(r.status, "unsupported");
  EXPECT_NE(r.reason.find("aspect ratio"), std::string::npos);
}

// Workspace accounting: naive keeps every full-size intermediate; the separable ring only its row rings.
TEST(CpuVariants, WorkspaceBytesFollowTheDesign) {
  Fixture f;
  set_thread_count(2);
  CaseRunner runner(*f.cpu, nullptr, "no CUDA", f.opt());
  const std::string w = "uniform-n2-300";  // SigLIP: 300x300 -> 384x384
  const Record naive = run_case(runner, {"cpu_naive_per_stage", "siglip-so400m-384", w, Layout::HWC, DType::F32, Mode::Hf});
  const Record pw = run_case(runner, {"cpu_pointwise_fused", "siglip-so400m-384", w, Layout::HWC, DType::F32, Mode::Hf});
  const Record ff = run_case(runner, {"cpu_separable_ring", "siglip-so400m-384", w, Layout::HWC, DType::F32, Mode::Hf});
  // naive, per image: H pass 3*300*384 f32, resized 3*384*384 f32, uint8 resized 3*384*384, uint8 crop 3*384*384,
  // rescaled 3*384*384 f32
  const long long hp = 3LL * 300 * 384 * 4, full = 3LL * 384 * 384;
  EXPECT_EQ(naive.peak_workspace_bytes, 2 * (hp + full * 4 + full + full + full * 4));
  // pointwise: H pass + normalized resized, per image
  EXPECT_EQ(pw.peak_workspace_bytes, 2 * (hp + full * 4));
  // separable ring: per thread a ring of kmax (= 5 for 300 -> 384 bicubic) rows + 1 accumulator row, x 3 channels x
  // 384 columns
  EXPECT_EQ(ff.peak_workspace_bytes, 2LL * (5 + 1) * 3 * 384 * 4);
  EXPECT_EQ(naive.output_bytes, 2LL * full * 4);
  set_thread_count(0);
}

// A deliberately broken variant must be caught by the same parity path.
namespace {
class BrokenVariant final : public Variant {
 public:
  explicit BrokenVariant(int kind) : kind_(kind) { info_.name = "broken"; }
  const VariantInfo& info() const override { return info_; }
  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace&) override {
    return [this, &plan, in, out](void*) { run(plan, in, out); };
  }
  void run(const Plan& plan, const Inputs& in, const Output& out) {
    std::vector<ImageView> v = in.images;
    const std::vector<float> ref = run_reference(plan, v);
    float* o = static_cast<float*>(out.data);
    for (size_t i = 0; i < ref.size(); ++i) o[i] = ref[i];
    if (kind_ == 0) o[ref.size() / 2] = std::nanf("");  // unwritten element: poison left in place
    if (kind_ == 1) o[ref.size() / 3] += 0.01f;          // wrong value
  }

 private:
  int kind_;
  VariantInfo info_;
};
}  // namespace

TEST(Parity, BrokenVariantIsCaughtAndCorrectOnePasses) {
  auto cpu = make_cpu_backend();
  Workspace ws(cpu->allocator());
  const Image img = generate_image(50, 70, 5, 0, Layout::HWC);
  const Plan plan = make_plan(find_pipeline("clip-vit-b32"), {img.shape()}, Mode::Float);
  const std::vector<float> ref = run_reference(plan, {img.view()});
  for (int kind : {0, 1, 2}) {
    BrokenVariant v(kind);
    std::vector<float> out(ref.size(), std::nanf(""));
    Output o{out.data(), DType::F32};
    Inputs in{{img.view()}, Layout::HWC};
    v.setup(plan, in, o, ws)(nullptr);
    const ParityResult p = check_parity(ref, out, find_pipeline("clip-vit-b32"), Mode::Float, DType::F32);
    EXPECT_EQ(p.ok, kind == 2) << kind;
  }
}
