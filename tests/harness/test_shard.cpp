// Sharding: the partition (deterministic, complete, disjoint, balanced), the case-list hash, and `prepbench merge`
// on real shard documents (what it accepts and every refusal).
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/shard.hpp"
#include "harness/sweep.hpp"

namespace {

std::vector<pb::Case> big_case_list() {
  pb::SweepConfig c;  // every variant and pipeline over three workloads of very different sizes, both layouts
  c.workloads = {"uniform-n1-256", "ragged-n8-384-1024", "uniform-n4-2048"};
  c.layouts = {"hwc", "chw"};
  c.modes = {"hf", "float"};
  return pb::expand_cases(c);
}

}  // namespace

TEST(Shard, ParseShard) {
  EXPECT_EQ(pb::parse_shard("0/1").index, 0);
  EXPECT_EQ(pb::parse_shard("3/4").index, 3);
  EXPECT_EQ(pb::parse_shard("3/4").count, 4);
  EXPECT_EQ(pb::parse_shard("4095/4096").count, 4096);
  for (const char* bad : {"4/4", "-1/2", "1", "a/b", "0/0", "0/5000", " 1/2", "1/2 ", "1//2", "", "/", "0/+2"})
    EXPECT_THROW(pb::parse_shard(bad), pb::UsageError) << bad;
}

// FIPS 180-2 appendix B's vectors: an independent check of the hash that ties shards to one case list.
TEST(Shard, Sha256KnownVectors) {
  EXPECT_EQ(pb::sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(pb::sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(pb::sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(pb::sha256_hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Shard, PartitionIsDeterministicCompleteAndDisjoint) {
  const std::vector<pb::Case> cases = big_case_list();
  ASSERT_GT(cases.size(), 100u);
  for (int n : {1, 2, 3, 7, 16}) {
    const std::vector<int> a = pb::partition_cases(cases, n, 30, 5);
    ASSERT_EQ(a.size(), cases.size());
    EXPECT_EQ(a, pb::partition_cases(cases, n, 30, 5));
    std::map<std::string, int> by_key;  // each case (by key) in exactly one shard, of [0, n)
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_GE(a[i], 0);
      EXPECT_LT(a[i], n);
      EXPECT_TRUE(by_key.emplace(cases[i].key(), a[i]).second) << "duplicate case " << cases[i].key();
    }
    // The partition depends on the case list, not on its order: every process agrees whatever its order.
    std::vector<pb::Case> shuffled = cases;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(uint32_t(n)));
    const std::vector<int> b = pb::partition_cases(shuffled, n, 30, 5);
    for (size_t i = 0; i < shuffled.size(); ++i) EXPECT_EQ(b[i], by_key.at(shuffled[i].key())) << shuffled[i].key();
    EXPECT_EQ(pb::cases_sha256(cases), pb::cases_sha256(shuffled));
  }
  std::vector<pb::Case> fewer(cases.begin(), cases.end() - 1);
  EXPECT_NE(pb::cases_sha256(cases), pb::cases_sha256(fewer));
}

// Greedy assignment, heaviest first, bounds every shard's estimated load by the mean plus the heaviest case
// (a shard receives its last case only while it is the lightest, so it was below the mean then).
TEST(Shard, PartitionIsBalancedWithinTheMeanPlusOneCase) {
  const std::vector<pb::Case> cases = big_case_list();
  for (int n : {2, 3, 4, 8}) {
    const std::vector<int> a = pb::partition_cases(cases, n, 30, 5);
    std::vector<double> load(size_t(n), 0.0);
    double heaviest = 0, total = 0;
    for (size_t i = 0; i < cases.size(); ++i) {
      const double c = pb::case_cost(cases[i], 30, 5);
      load[size_t(a[i])] += c;
      heaviest = std::max(heaviest, c);
      total += c;
    }
    const double mean = total / n;
    for (double l : load) {
      EXPECT_LE(l, mean + heaviest + 1e-6 * total) << n << " shards";
      EXPECT_GT(l, 0) << "an empty shard among " << n;
    }
  }
  // More shards than cases: every case alone, the rest empty.
  const std::vector<pb::Case> three(cases.begin(), cases.begin() + 3);
  std::vector<int> a = pb::partition_cases(three, 5, 30, 5);
  std::sort(a.begin(), a.end());
  EXPECT_EQ(std::unique(a.begin(), a.end()) - a.begin(), 3);
}

TEST(Shard, CostGrowsWithPixelsAndRepetitions) {
  const pb::Case small("cpu_naive_per_stage", "clip-vit-b32", "uniform-n1-256", pb::Layout::HWC, pb::DType::F32, pb::Mode::Hf);
  const pb::Case large("cpu_naive_per_stage", "clip-vit-b32", "uniform-n4-2048", pb::Layout::HWC, pb::DType::F32, pb::Mode::Hf);
  EXPECT_GT(pb::case_cost(large, 30, 5), 10 * pb::case_cost(small, 30, 5));
  EXPECT_GT(pb::case_cost(small, 30, 10), pb::case_cost(small, 30, 5));
}

// `prepbench merge` on the documents of real shard runs.
TEST(Shard, MergeCli) {
  using namespace pbtest;
  const std::string d = tmp_dir() + "/shard_merge";
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  const std::string sel = " --variants cpu_naive_per_stage,cpu_pointwise_fused --pipelines clip-vit-b32,siglip-so400m-384 "
                          "--workloads uniform-n1-256 --layouts hwc,chw --cpu-reps 1 --warmup 0";
  for (int i = 0; i < 3; ++i) {
    const CliResult r = run_cli("run" + sel + " --shard " + std::to_string(i) + "/3 --out " + d + "/s" +
                                std::to_string(i) + ".json");
    ASSERT_EQ(r.status, 0) << r.err;
    EXPECT_NE(r.err.find("shard " + std::to_string(i) + "/3"), std::string::npos) << r.err;
  }
  ASSERT_EQ(run_cli("run" + sel + " --out " + d + "/whole.json").status, 0);

  const CliResult ok = run_cli("merge " + d + "/m.json " + d + "/s2.json " + d + "/s0.json " + d + "/s1.json");
  ASSERT_EQ(ok.status, 0) << ok.err;
  EXPECT_NE(ok.out.find("8 cases from 3 shards"), std::string::npos) << ok.out;
  const nlohmann::json m = nlohmann::json::parse(slurp(d + "/m.json"));
  const nlohmann::json whole = nlohmann::json::parse(slurp(d + "/whole.json"));
  ASSERT_EQ(m["records"].size(), whole["records"].size());
  for (size_t i = 0; i < m["records"].size(); ++i)  // the unsharded order, each case once
    EXPECT_EQ(pb::record_key(m["records"][i]), pb::record_key(whole["records"][i]));
  EXPECT_EQ(m["meta"]["shards"].size(), 3u);
  EXPECT_FALSE(m["meta"].contains("shard"));
  EXPECT_EQ(run_cli("gate --parity-only --baseline " + d + "/whole.json --candidate " + d + "/m.json").status, 0);

  auto refused = [&](const std::string& files, const std::string& why) {
    std::filesystem::remove(d + "/bad.json");
    const CliResult r = run_cli("merge " + d + "/bad.json " + files);
    EXPECT_EQ(r.status, 2) << files;
    EXPECT_EQ(r.err_lines(), 1) << r.err;
    EXPECT_NE(r.err.find(why), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(d + "/bad.json")) << "a refused merge wrote its output";
  };
  refused(d + "/s0.json " + d + "/s2.json", "no document for shard 1");
  refused(d + "/s0.json " + d + "/s1.json " + d + "/s1.json " + d + "/s2.json", "repeats shard 1");
  refused(d + "/s0.json " + d + "/s1.json " + d + "/s2.json " + d + "/whole.json", "not a shard");

  auto edited = [&](const std::string& from, const std::string& to, auto&& edit) {
    nlohmann::json j = nlohmann::json::parse(slurp(d + "/" + from));
    edit(j);
    std::ofstream(d + "/" + to) << j.dump();
    return d + "/" + to;
  };
  const std::string other_commit = edited("s1.json", "c.json", [](nlohmann::json& j) { j["meta"]["commit"] = std::string(40, '0'); });
  refused(d + "/s0.json " + other_commit + " " + d + "/s2.json", "commit");
  const std::string other_list = edited("s1.json", "l.json", [](nlohmann::json& j) { j["meta"]["shard"]["cases_sha256"] = std::string(64, 'f'); });
  refused(d + "/s0.json " + other_list + " " + d + "/s2.json", "another case list");
  const std::string other_gpu = edited("s1.json", "g.json", [](nlohmann::json& j) { j["meta"]["gpu"] = "NVIDIA H100 80GB HBM3"; });
  refused(d + "/s0.json " + other_gpu + " " + d + "/s2.json", "--allow-different-hardware");
  EXPECT_EQ(run_cli("merge " + d + "/g_ok.json " + d + "/s0.json " + other_gpu + " " + d + "/s2.json --allow-different-hardware").status, 0);
  // a record moved into another shard's document: a case twice
  const std::string dup = edited("s0.json", "d.json", [&](nlohmann::json& j) {
    j["records"].push_back(nlohmann::json::parse(slurp(d + "/s1.json"))["records"][0]);
  });
  refused(dup + " " + d + "/s1.json " + d + "/s2.json", "more than one shard");
  refused(d + "/s0.json", "no document for shard 1, 2");
  refused("", "usage");
}
