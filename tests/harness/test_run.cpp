#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "core/pipeline.hpp"
#include "harness/cli_args.hpp"
#include "harness/e2e.hpp"
#include "harness/exec_backend.hpp"
#include "harness/results.hpp"

using namespace pbtest;
using nlohmann::json;
namespace fs = std::filesystem;

TEST(Run, WritesValidResultsWithEverySampleAndRepro) {
  const std::string out = tmp_dir() + "/run_ok.json";
  fs::remove(out);
  const CliResult r = run_cli("run --variants cpu_separable_ring,cpu_naive_per_stage --pipelines clip-vit-b32,qwen2.5-vl-7b "
                              "--workloads ragged-n2-100-300 --modes float,hf --layouts hwc --cpu-reps 4 --warmup 1 "
                              "--out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("[8/8]"), std::string::npos) << "progress lines on stderr";
  EXPECT_NE(r.out.find("median_ms"), std::string::npos) << "table on stdout";
  std::ifstream f(out);
  const json doc = json::parse(f);
  EXPECT_NO_THROW(pb::validate_results_document(doc));
  EXPECT_EQ(doc["schema"], "prepbench.results/1");
  EXPECT_FALSE(doc["meta"]["commit"].get<std::string>().empty());
  EXPECT_NE(doc["meta"]["command"].get<std::string>().find("--cpu-reps 4"), std::string::npos);
  ASSERT_EQ(doc["records"].size(), 8u);
  for (const auto& rec : doc["records"]) {
    EXPECT_EQ(rec["status"], "ok") << rec.dump();
    EXPECT_EQ(rec["time_ms"]["n"], 4);
    EXPECT_EQ(rec["time_ms"]["samples"].size(), 4u);
    EXPECT_LE(rec["time_ms"]["min"].get<double>(), rec["time_ms"]["median"].get<double>());
    EXPECT_TRUE(rec["parity"]["ok"].get<bool>());
    EXPECT_GT(rec["bytes_moved"].get<long long>(), rec["output_bytes"].get<long long>());
    EXPECT_NE(rec["repro"].get<std::string>().find("--variants " + rec["variant"].get<std::string>()), std::string::npos);
  }
}

// The launch axis (--launches / --cuda-graph) applies to CUDA variants only: a CPU variant runs once, as always,
// parity included, with no "launch" field and no launch flag in its repro line; a CUDA variant gets one case per
// launch, with its own key.
TEST(Run, LaunchAxisLeavesCpuCasesAlone) {
  const std::string out = tmp_dir() + "/run_graph.json";
  fs::remove(out);
  const CliResult r = run_cli("run --variants cpu_separable_ring,cuda_separable_mma --pipelines siglip-so400m-384 "
                              "--workloads uniform-n1-64 --modes hf --layouts hwc --cpu-reps 2 --warmup 0 "
                              "--launches stream,graph --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(out);
  const json doc = json::parse(f);
  ASSERT_EQ(doc["records"].size(), 3u);  // cpu once, cuda for each launch (skipped without a GPU)
  std::set<std::string> repros;
  for (const auto& rec : doc["records"]) {
    repros.insert(rec["repro"].get<std::string>());
    if (rec["variant"] == "cpu_separable_ring") {
      EXPECT_EQ(rec["status"], "ok");
      EXPECT_TRUE(rec["parity"]["ok"].get<bool>());
      EXPECT_FALSE(rec.contains("launch"));
      EXPECT_EQ(rec["repro"].get<std::string>().find("--launches"), std::string::npos);
    }
  }
  EXPECT_EQ(repros.size(), 3u);
  EXPECT_EQ(std::count_if(repros.begin(), repros.end(),
                          [](const std::string& s) { return s.find("--launches graph") != std::string::npos; }),
            1);
  // --cuda-graph is --launches graph; both at once is a contradiction
  EXPECT_EQ(run_cli("run --variants cpu_separable_ring --launches stream --cuda-graph --out " + out).status, 2);
  EXPECT_EQ(run_cli("run --variants cpu_separable_ring --launches sideways --out " + out).status, 2);
}

// --out-layouts nhwc: channels-last records, marked as such, with the flag in their repro line; a pipeline without
// an image tensor (Qwen's patch rows) is recorded as unsupported.
TEST(Run, ChannelsLastOutput) {
  const std::string out = tmp_dir() + "/run_nhwc.json";
  fs::remove(out);
  const CliResult r = run_cli("run --variants cpu_separable_ring --pipelines siglip-so400m-384,qwen2.5-vl-7b "
                              "--workloads uniform-n1-64 --modes hf --cpu-reps 2 --warmup 0 --out-layouts nchw,nhwc "
                              "--out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(out);
  const json doc = json::parse(f);
  ASSERT_EQ(doc["records"].size(), 4u);
  std::map<std::string, json> by;
  for (const auto& rec : doc["records"])
    by[rec["pipeline"].get<std::string>() + "/" + rec.value("out_layout", "-") + "/" + rec["status"].get<std::string>()] = rec;
  ASSERT_TRUE(by.count("siglip-so400m-384/nchw/ok"));
  ASSERT_TRUE(by.count("siglip-so400m-384/nhwc/ok"));
  ASSERT_TRUE(by.count("qwen2.5-vl-7b/qwen_patches/ok"));
  ASSERT_TRUE(by.count("qwen2.5-vl-7b/-/unsupported")) << doc.dump();
  EXPECT_TRUE(by["siglip-so400m-384/nhwc/ok"]["parity"]["ok"].get<bool>());
  EXPECT_NE(by["siglip-so400m-384/nhwc/ok"]["repro"].get<std::string>().find("--out-layouts nhwc"), std::string::npos);
  EXPECT_NE(by["qwen2.5-vl-7b/-/unsupported"]["reason"].get<std::string>().find("channels-last"), std::string::npos);
}

TEST(Run, SweepFileAndErrors) {
  const std::string d = tmp_dir();
  {
    std::ofstream(d + "/sweep_ok.json") << R"({"description": "t", "variants": ["cpu_pointwise_fused"],
      "pipelines": "siglip*", "workloads": ["uniform-n1-64"], "modes": ["hf"], "cpu_reps": 2, "warmup": 0})";
    std::ofstream(d + "/sweep_badkey.json") << R"({"variant": ["cpu_pointwise_fused"]})";
    std::ofstream(d + "/sweep_badjson.json") << R"({"variants": [)";
    std::ofstream(d + "/sweep_badgraph.json") << R"({"cuda_graph": "yes"})";
  }
  const std::string out = d + "/run_sweep.json";
  CliResult r = run_cli("run --sweep " + d + "/sweep_ok.json --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(out);
  EXPECT_EQ(json::parse(f)["records"].size(), 1u);

  struct Bad {
    std::string args, mention;
  } bad[] = {
      {"run --variants nope --out " + out, "unknown variant 'nope' (valid: cpu_naive_per_stage"},
      {"run --pipelines 'clip*,zzz' --out " + out, "unknown pipeline 'zzz'"},
      {"run --workloads ragged-n2 --out " + out, "bad workload name"},
      {"run --modes exact --out " + out, "unknown mode"},
      {"run --dtypes fp64 --out " + out, "unknown dtype"},
      {"run --out-layouts nwhc --out " + out, "unknown output layout 'nwhc' (valid: nchw, nhwc)"},
      {"run --sweep " + d + "/sweep_badkey.json --out " + out, "unknown sweep key 'variant'"},
      {"run --sweep " + d + "/sweep_badjson.json --out " + out, "not valid JSON"},
      {"run --sweep " + d + "/sweep_badgraph.json --out " + out, "sweep key 'cuda_graph' must be true or false"},
      {"run --sweep " + d + "/missing.json --out " + out, "cannot read sweep file"},
      {"run --reps 0 --out " + out, "--reps"},
      {"run --seed 12ab --out " + out, "--seed must be"},
      {"run --variants cpu_separable_ring --out " + d + "/no/dir/x.json", "cannot write results"},
  };
  const auto before = fs::last_write_time(out);
  for (const auto& b : bad) {
    const CliResult e = run_cli(b.args);
    EXPECT_EQ(e.status, 2) << b.args << "\n" << e.err;
    EXPECT_EQ(e.err_lines(), 1) << b.args << "\n" << e.err;
    EXPECT_NE(e.err.find(b.mention), std::string::npos) << b.args << "\n" << e.err;
  }
  EXPECT_EQ(fs::last_write_time(out), before) << "a rejected run must not touch the results file";
}

TEST(Run, UnsupportedAndRejectedCasesAreRecordedNotFatal) {
  const std::string out = tmp_dir() + "/run_unsup.json";
  const CliResult r = run_cli("run --variants cpu_separable_ring --pipelines qwen2.5-vl-7b,clip-vit-b32 "
                              "--workloads aspect-n2-2-1600 --dtypes fp32,bf16 --cpu-reps 1 --warmup 0 --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(out);
  const json doc = json::parse(f);
  int unsupported = 0, ok = 0;
  for (const auto& rec : doc["records"]) {
    unsupported += rec["status"] == "unsupported";
    ok += rec["status"] == "ok";
    if (rec["status"] == "unsupported") {
      EXPECT_FALSE(rec["reason"].get<std::string>().empty());
    }
  }
  EXPECT_EQ(ok, 1);           // clip fp32
  EXPECT_EQ(unsupported, 3);  // qwen rejects the aspect ratio (x2), bf16 on the CPU
}

// Without a GPU (or without CUDA in the build) a run says so once, records each CUDA case as skipped with the
// reason, keeps skipped cases out of its table (one summary line per reason) and says so in its last line when
// nothing ran at all.
TEST(Run, WithoutGpuCudaCasesAreSkippedAndSaidOnce) {
  std::string why;
  if (pb::make_cuda_backend(why)) GTEST_SKIP() << "a CUDA device is present: CUDA cases run here";
  const std::string out = tmp_dir() + "/run_nogpu.json";
  CliResult r = run_cli("run --variants 'cuda_separable_*',cpu_separable_ring --pipelines clip-vit-b32,dinov2-small "
                        "--workloads uniform-n1-64 --cpu-reps 1 --warmup 0 --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream f(out);
  const json doc = json::parse(f);
  int skipped = 0, ok = 0;
  for (const auto& rec : doc["records"]) {
    if (rec["status"] == "skipped") {
      ++skipped;
      EXPECT_EQ(rec["backend"], "cuda");
      EXPECT_EQ(rec["reason"], why);
    }
    ok += rec["status"] == "ok";
  }
  EXPECT_EQ(ok, 2);
  EXPECT_GE(skipped, 2 * 7);
  size_t mentions = 0;
  for (size_t p = 0; (p = r.err.find(why, p)) != std::string::npos; p += why.size()) ++mentions;
  EXPECT_EQ(mentions, 1u) << r.err;
  EXPECT_NE(r.err.find(std::to_string(skipped) + " CUDA cases recorded as skipped"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("driver version is insufficient"), std::string::npos) << r.err;
  EXPECT_EQ(r.out.find("cuda_separable_"), std::string::npos) << "skipped cases have no table rows:\n" << r.out;
  EXPECT_NE(r.out.find(std::to_string(skipped) + " cases skipped: " + why), std::string::npos) << r.out;

  r = run_cli("run --variants 'cuda_*' --pipelines clip-vit-b32 --workloads uniform-n1-64 --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_NE(last.find("was skipped"), std::string::npos) << last;
  EXPECT_NE(last.find("nothing was measured"), std::string::npos) << last;
}

// Ctrl-C mid-sweep: the run stops after the case in flight, says so, exits 130 and writes no results file.
TEST(Run, InterruptLeavesNoResultsFile) {
  const std::string out = tmp_dir() + "/run_interrupted.json";
  fs::remove(out);
  const std::string cmd = "timeout --preserve-status -s INT 2 " + prepbench_bin() +
                          " run --variants 'cpu_*' --workloads large-n2-1500-2000,ragged-n8-500-900 --cpu-reps 50 --out " +
                          out + " >/dev/null 2>" + tmp_dir() + "/interrupt.err";
  const int rc = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(rc));
  EXPECT_EQ(WEXITSTATUS(rc), 130);
  EXPECT_FALSE(fs::exists(out));
  EXPECT_NE(slurp(tmp_dir() + "/interrupt.err").find("interrupted: no results written"), std::string::npos);
  for (const auto& e : fs::directory_iterator(tmp_dir()))
    EXPECT_EQ(e.path().filename().string().find("run_interrupted.json."), std::string::npos) << e.path();
}

// The e2e schedules' split of a batch into overlapped groups (harness/e2e.hpp): every image once, in order, no group
// empty, the groups' outputs back to back adding up to the whole batch's; refused where the batch pads.
TEST(E2E, GroupSplitCoversTheBatchInOrder) {
  const pb::PipelineSpec& spec = pb::find_pipeline("qwen2.5-vl-7b");
  const std::vector<pb::ImageShape> shapes = {{300, 200}, {64, 900}, {512, 512}, {100, 100}, {777, 333}};
  const pb::Plan full = pb::make_plan(spec, shapes, pb::Mode::Hf);
  for (int groups : {1, 2, 3, 5, 9}) {
    const pb::GroupSplit s = pb::split_groups(spec, shapes, pb::Mode::Hf, groups, full);
    const int g = std::min(groups, 5);
    ASSERT_EQ(s.groups(), g);
    ASSERT_EQ(s.first.size(), size_t(g) + 1);
    EXPECT_EQ(s.first.front(), 0u);
    EXPECT_EQ(s.first.back(), shapes.size());
    for (int k = 0; k < g; ++k) {
      EXPECT_LT(s.first[size_t(k)], s.first[size_t(k) + 1]) << "group " << k << " of " << g << " is empty";
      EXPECT_EQ(s.plans[size_t(k)].inputs.size(), s.first[size_t(k) + 1] - s.first[size_t(k)]);
      EXPECT_EQ(s.out_off[size_t(k) + 1] - s.out_off[size_t(k)], s.plans[size_t(k)].out_elems);
    }
    EXPECT_EQ(s.out_off.back(), full.out_elems);
  }
}

TEST(E2E, GroupSplitRefusesABatchThatPads) {
  // LLaVA-NeXT pads every image to the batch's most patches: 480x640 has 5, 1000x300 has 4
  const pb::PipelineSpec& spec = pb::find_pipeline("llava-next-336");
  const std::vector<pb::ImageShape> shapes = {{480, 640}, {1000, 300}};
  const pb::Plan full = pb::make_plan(spec, shapes, pb::Mode::Hf);
  EXPECT_THROW(pb::split_groups(spec, shapes, pb::Mode::Hf, 2, full), pb::UsageError);
  EXPECT_EQ(pb::split_groups(spec, shapes, pb::Mode::Hf, 1, full).groups(), 1);
}
