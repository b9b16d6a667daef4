// prepbench merge: the shard documents of one sweep back into one document.
#include <cstdio>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/results.hpp"
#include "harness/shard.hpp"
#include "workloads/npy.hpp"

namespace pb {

const CommandSpec& spec_merge() {
  static const CommandSpec spec{
      "merge", "OUT.json SHARD.json... [--allow-different-hardware]",
      "one results document from the shard documents of `run --shard I/N`: every case once",
      {{"allow-different-hardware", "", "merge shards measured on different GPU models"}},
      "Refused (exit 2, one line) when a case is missing or in two shards, when the shards come from different\n"
      "commits, case lists or shard counts, or from different GPU models. The merged meta lists every shard\n"
      "(index, host, GPU, device UUID, cases, wall time)."};
  return spec;
}

int cmd_merge(const std::vector<std::string>& args) {
  std::vector<std::string> files, flags;
  for (const auto& a : args) (a.rfind("--", 0) == 0 || a == "-h" ? flags : files).push_back(a);
  Args a(flags, spec_merge());
  if (files.size() < 2) throw UsageError("usage: prepbench merge OUT.json SHARD.json... (prepbench merge --help)");
  const std::string out = files[0];
  check_writable(out);
  std::vector<nlohmann::json> shards;
  for (size_t i = 1; i < files.size(); ++i) {
    shards.push_back(read_results_file(files[i]));
    try {
      validate_results_document(shards.back());
    } catch (const std::exception& e) {
      throw UsageError(files[i] + ": " + e.what());
    }
  }
  MergeOptions o;
  o.allow_different_hardware = a.flag("allow-different-hardware");
  nlohmann::json doc;
  try {
    doc = merge_shards(shards, o);
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("merge: ") + e.what());
  }
  std::string command = "prepbench merge";
  for (const auto& s : args) command += " " + s;
  doc["meta"]["command"] = command;
  write_text_atomic(out, doc.dump(1) + "\n");
  std::string walls;
  for (const auto& s : doc["meta"]["shards"]) {
    char b[64];
    std::snprintf(b, sizeof b, "%s%d: %.0f s", walls.empty() ? "" : ", ", s["index"].get<int>(), s["wall_s"].get<double>());
    walls += b;
  }
  std::printf("merge: wrote %s: %zu cases from %zu shards (wall time per shard: %s)\n", out.c_str(),
              doc["records"].size(), shards.size(), walls.c_str());
  return 0;
}

}  // namespace pb
