#pragma once
// Sharding a sweep across processes, GPUs and nodes: a deterministic, cost-balanced partition of the case list, and
// the merge of the shards' documents back into one.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/case.hpp"

namespace pb {

struct ShardSpec {
  int index = 0, count = 1;  // the index-th of count parts, 0-based
};
// "I/N" with 0 <= I < N <= 4096; UsageError otherwise.
ShardSpec parse_shard(const std::string& s);

// A case's relative cost, for balancing: the pixels it reads and writes, times its repetitions, CPU cases weighing
// far more than GPU ones. Only ratios matter.
double case_cost(const Case& c, int gpu_reps, int cpu_reps);

// Which shard each case goes to: the cases sorted by key, then longest-processing-time first (heaviest case to the
// lightest shard, ties by key and by shard index), so the partition depends on the case list alone. Returns the
// shard index of every case, in the order of `cases`.
std::vector<int> partition_cases(const std::vector<Case>& cases, int count, int gpu_reps, int cpu_reps);

// SHA-256 of the sorted case keys, one per line: two shards of the same sweep carry the same hash.
std::string cases_sha256(const std::vector<Case>& cases);
std::string sha256_hex(const std::string& bytes);

struct MergeOptions {
  bool allow_different_hardware = false;
};
// One document from shard documents: every case of the full list exactly once, all from one commit and case list
// (and one GPU model unless allowed). std::invalid_argument naming what is wrong otherwise (a missing case by key).
nlohmann::json merge_shards(const std::vector<nlohmann::json>& shards, const MergeOptions& o);

}  // namespace pb
