// prepbench ab: a same-session A/B of two binaries, interleaved case by case, then the gate on it.
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "harness/case.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/gate.hpp"
#include "harness/gate_cli.hpp"
#include "harness/results.hpp"
#include "harness/signals.hpp"
#include "harness/sweep.hpp"
#include "workloads/npy.hpp"

namespace pb {

namespace {

constexpr const char* kDefaultOut = "prepbench_ab.json";

struct Side {
  std::string name, binary, args;
  std::map<std::string, nlohmann::json> merged;  // case key -> the record pooled over rounds
  nlohmann::json first_meta;
};

std::string quoted(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// One process of `side` on one case; returns its only record. Throws UsageError when the binary cannot run it.
nlohmann::json run_one(const Side& side, const Case& c, const std::string& common, const std::string& out,
                       const std::string& log) {
  std::filesystem::remove(out);
  const std::string cmd = quoted(side.binary) + " run " + c.selection_args() + common + " --out " + quoted(out) + " " +
                          side.args + " > /dev/null 2>> " + quoted(log);
  const int rc = std::system(cmd.c_str());
  if (rc == -1 || !WIFEXITED(rc)) throw UsageError(side.name + " binary did not finish on " + c.key());
  const int status = WEXITSTATUS(rc);
  if (status != 0 && status != 1)  // 1: the case failed, and its record says why
    throw UsageError(side.name + " binary '" + side.binary + "' exited " + std::to_string(status) + " on " + c.key() +
                     " (its messages: " + log + ")");
  const nlohmann::json doc = read_results_file(out);
  validate_results_document(doc);
  if (doc["records"].size() != 1) throw UsageError(side.name + " binary wrote no single record for " + c.key());
  return doc;
}

void pool(Side& side, const std::string& key, const nlohmann::json& doc, int round) {
  const nlohmann::json& r = doc["records"][0];
  if (side.first_meta.is_null()) side.first_meta = doc["meta"];
  auto it = side.merged.find(key);
  const double median = r["time_ms"].is_object() ? r["time_ms"]["median"].get<double>() : -1.0;
  if (it == side.merged.end()) {
    nlohmann::json m = r;
    m["ab_side"] = side.name;
    m["ab_round_medians"] = {median};
    side.merged[key] = m;
    return;
  }
  nlohmann::json& m = it->second;
  m["ab_round_medians"].push_back(median);
  if (m["status"] != "ok") return;  // the first failure stays
  if (r["status"] != "ok") {
    for (const char* k : {"status", "reason", "time_ms", "parity"}) m[k] = r[k];
    m["reason"] = "round " + std::to_string(round) + ": " + r.value("reason", std::string("?"));
    return;
  }
  std::vector<double> samples = m["time_ms"]["samples"].get<std::vector<double>>();
  for (const auto& x : r["time_ms"]["samples"]) samples.push_back(x.get<double>());
  m["time_ms"] = samples_to_json(samples);
  if (r["parity"].is_object() && r["parity"]["max_abs"].get<double>() > m["parity"]["max_abs"].get<double>())
    m["parity"] = r["parity"];  // the worst round's parity
}

}  // namespace

const CommandSpec& spec_ab() {
  static const CommandSpec spec = [] {
    CommandSpec s{"ab", "--baseline BIN --candidate BIN [--sweep FILE.json] [selection] [options]",
                  "same-session A/B of two prepbench binaries, interleaved case by case, then the gate on it",
                  {{"baseline", "BIN", "the reference prepbench binary (required)"},
                   {"candidate", "BIN", "the binary under test (required; may be the same binary with other args)"},
                   {"baseline-args", "ARGS", "extra `run` arguments for the baseline (shell words)"},
                   {"candidate-args", "ARGS", "extra `run` arguments for the candidate, e.g. \"--inject-delay 10%\""},
                   {"sweep", "FILE.json", "the cases (a sweep file); selection options override its keys"}},
                  "Each round runs every case once per binary, one process each, the binaries' order alternating\n"
                  "round by round (ABBA); the samples of all rounds are pooled per side. The document holds both\n"
                  "sides (ab_side); `prepbench gate --ab` judges it again.\n"
                  "Exit status: 0 pass, 1 regression, 2 bad input, 130 / 143 interrupted (nothing written)."};
    for (auto& o : selection_options(SweepConfig{})) s.options.push_back(o);
    const std::vector<OptionSpec> more = {
        {"rounds", "R", "interleaved rounds (default 20: the rounds are the units of the test)"},
        {"reps", "N", "timed repetitions per GPU case per round (default the sweep's)"},
        {"cpu-reps", "N", "timed repetitions per CPU case per round (default the sweep's)"},
        {"warmup", "N", "untimed repetitions per run (default the sweep's)"},
        {"out", "AB.json", std::string("the A/B document (default ./") + kDefaultOut + ")"}};
    s.options.insert(s.options.end(), more.begin(), more.end());
    for (auto& o : gate_threshold_options()) s.options.push_back(o);
    return s;
  }();
  return spec;
}

int cmd_ab(const std::vector<std::string>& args) {
  Args a(args, spec_ab());
  SweepConfig cfg = a.has("sweep") ? load_sweep_file(a.require("sweep")) : SweepConfig{};
  apply_selection(a, cfg);
  const std::vector<Case> cases = expand_cases(cfg);
  const int rounds = a.get_int("rounds", 20, 1, 1000);
  const int reps = a.get_int("reps", cfg.gpu_reps, 1, 100000), cpu_reps = a.get_int("cpu-reps", cfg.cpu_reps, 1, 100000);
  const int warmup = a.get_int("warmup", cfg.warmup, 0, 1000);
  GateOptions g;
  read_gate_thresholds(a, g);
  g.interleaved = true;
  Side sides[2] = {{"baseline", a.require("baseline"), a.get("baseline-args", ""), {}, nullptr},
                   {"candidate", a.require("candidate"), a.get("candidate-args", ""), {}, nullptr}};
  for (const Side& s : sides)
    if (access(s.binary.c_str(), X_OK) != 0) throw UsageError(s.name + " binary '" + s.binary + "' is not executable");
  const std::string out_path = a.get("out", kDefaultOut);
  check_writable(out_path);
  char tmpl[] = "/tmp/prepbench-ab-XXXXXX";
  if (!mkdtemp(tmpl)) throw UsageError("cannot make a temporary folder for the A/B runs");
  const std::string tmp = tmpl, log = tmp + "/runs.log";
  struct Cleanup {
    std::string dir;
    ~Cleanup() {
      std::error_code ec;
      std::filesystem::remove_all(dir, ec);
    }
  } cleanup{tmp};
  install_signal_handlers_poll();

  const auto t0 = std::chrono::steady_clock::now();
  for (int round = 1; round <= rounds; ++round) {
    const std::string common = " --reps " + std::to_string(reps) + " --cpu-reps " + std::to_string(cpu_reps) +
                               " --warmup " + std::to_string(warmup) + " --seed " + std::to_string(1000 + round) +
                               " --no-kernel-trace" + (cfg.warm_l2 ? " --warm-l2" : "");
    for (const Case& c : cases) {
      for (int k = 0; k < 2; ++k) {
        if (stop_requested()) {
          std::fprintf(stderr, "prepbench: interrupted: no A/B document written\n");
          return stop_exit_status();
        }
        Side& side = sides[round % 2 == 1 ? k : 1 - k];  // ABBA: who runs first alternates
        pool(side, c.key(), run_one(side, c, common, tmp + "/one.json", log), round);
      }
    }
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "[round %d/%d] %zu cases x 2 binaries (%.0f s, ETA %.0f s)\n", round, rounds, cases.size(), el,
                 el / round * (rounds - round));
  }

  nlohmann::json meta = sides[0].first_meta;
  std::string command = "prepbench ab";
  for (const auto& s : args) command += " " + s;
  meta["command"] = command;
  meta["ab"] = {{"rounds", rounds}, {"order", "ABBA"}};
  for (const Side& s : sides)
    meta["ab"][s.name] = {{"binary", s.binary}, {"args", s.args}, {"commit", s.first_meta.value("commit", "?")},
                          {"dirty", s.first_meta.value("dirty", false)}};
  nlohmann::json doc = {{"schema", kResultsSchema}, {"meta", meta}, {"records", nlohmann::json::array()}};
  for (const Case& c : cases)
    for (const Side& s : sides) doc["records"].push_back(s.merged.at(c.key()));
  validate_results_document(doc);
  write_text_atomic(out_path, doc.dump(1) + "\n");

  const auto [base, cand] = split_ab_document(doc);
  return gate_and_report(base, cand, g, a, "ab: wrote " + out_path + "; ");
}

}  // namespace pb
