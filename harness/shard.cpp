#include "harness/shard.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <numeric>
#include <set>
#include <stdexcept>

#include "harness/cli_args.hpp"
#include "harness/json_file.hpp"
#include "harness/results.hpp"

namespace pb {

ShardSpec parse_shard(const std::string& s) {
  const size_t slash = s.find('/');
  auto number = [&](const std::string& t) {
    if (t.empty() || t.size() > 4 || t.find_first_not_of("0123456789") != std::string::npos)
      throw UsageError("--shard must be I/N with 0 <= I < N <= 4096, got '" + s + "'");
    return std::stoi(t);
  };
  if (slash == std::string::npos) throw UsageError("--shard must be I/N with 0 <= I < N <= 4096, got '" + s + "'");
  ShardSpec sh{number(s.substr(0, slash)), number(s.substr(slash + 1))};
  if (sh.count < 1 || sh.count > 4096 || sh.index >= sh.count)
    throw UsageError("--shard must be I/N with 0 <= I < N <= 4096, got '" + s + "'");
  return sh;
}

double case_cost(const Case& c, int gpu_reps, int cpu_reps) {
  const std::vector<ImageShape> shapes = workload_shapes(c.workload);
  double pixels = 0;
  for (const auto& s : shapes) pixels += double(s.h) * s.w;
  const bool cpu = c.backend() == Backend::Cpu;
  // + a fixed part per case (process work, the reference), so that tiny cases do not all land on one shard
  return (pixels + 1e5) * (cpu ? 200.0 * (1 + cpu_reps) : 1.0 * (1 + gpu_reps));
}

std::vector<int> partition_cases(const std::vector<Case>& cases, int count, int gpu_reps, int cpu_reps) {
  std::vector<size_t> order(cases.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::vector<double> cost(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) cost[i] = case_cost(cases[i], gpu_reps, cpu_reps);
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (cost[a] != cost[b]) return cost[a] > cost[b];
    return cases[a].key() < cases[b].key();
  });
  std::vector<double> load(size_t(count), 0.0);
  std::vector<int> shard(cases.size(), 0);
  for (size_t i : order) {
    const int best = int(std::min_element(load.begin(), load.end()) - load.begin());  // lowest index on ties
    shard[i] = best;
    load[size_t(best)] += cost[i];
  }
  return shard;
}

// SHA-256 (FIPS 180-4), for the case-list fingerprint; no cryptographic use.
std::string sha256_hex(const std::string& msg) {
  static const uint32_t k[64] = {
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
      0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
      0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
      0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
      0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
      0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
      0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
      0xc67178f2};
  uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
  std::string m = msg;
  const uint64_t bits = uint64_t(msg.size()) * 8;
  m += char(0x80);
  while (m.size() % 64 != 56) m += char(0);
  for (int i = 7; i >= 0; --i) m += char((bits >> (8 * i)) & 0xff);
  auto rotr = [](uint32_t x, int n) { return (x >> n) | (x << (32 - n)); };
  for (size_t off = 0; off < m.size(); off += 64) {
    uint32_t w[64];
    for (int i = 0; i < 16; ++i)
      w[i] = uint32_t(uint8_t(m[off + 4 * i])) << 24 | uint32_t(uint8_t(m[off + 4 * i + 1])) << 16 |
             uint32_t(uint8_t(m[off + 4 * i + 2])) << 8 | uint32_t(uint8_t(m[off + 4 * i + 3]));
    for (int i = 16; i < 64; ++i) {
      const uint32_t s0 = rotr(w[i - 15], 7) ^ rotr(w[i - 15], 18) ^ (w[i - 15] >> 3);
      const uint32_t s1 = rotr(w[i - 2], 17) ^ rotr(w[i - 2], 19) ^ (w[i - 2] >> 10);
      w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int i = 0; i < 64; ++i) {
      const uint32_t t1 = hh + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + k[i] + w[i];
      const uint32_t t2 = (rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      hh = g, g = f, f = e, e = d + t1, d = c, c = b, b = a, a = t1 + t2;
    }
    h[0] += a, h[1] += b, h[2] += c, h[3] += d, h[4] += e, h[5] += f, h[6] += g, h[7] += hh;
  }
  char out[65];
  for (int i = 0; i < 8; ++i) std::snprintf(out + 8 * i, 9, "%08x", h[i]);
  return out;
}

std::string cases_sha256(const std::vector<Case>& cases) {
  std::vector<std::string> keys;
  for (const Case& c : cases) keys.push_back(c.key());
  std::sort(keys.begin(), keys.end());
  std::string text;
  for (const auto& k : keys) text += k + "\n";
  return sha256_hex(text);
}

nlohmann::json merge_shards(const std::vector<nlohmann::json>& shards, const MergeOptions& o) {
  if (shards.empty()) throw std::invalid_argument("no shard documents to merge");
  auto fact = [](const nlohmann::json& d, const char* key) {
    return d["meta"].contains(key) && d["meta"][key].is_string() ? d["meta"][key].get<std::string>() : std::string("?");
  };
  const nlohmann::json& first = shards[0];
  std::vector<std::string> all;  // the full case list, in the order the sweep made it
  std::map<int, size_t> seen_index;
  for (size_t i = 0; i < shards.size(); ++i) {
    const nlohmann::json& d = shards[i];
    validate_results_document(d);
    const std::string where = "shard document " + std::to_string(i + 1);
    if (!d["meta"].contains("shard") || !d["meta"]["shard"].is_object())
      throw std::invalid_argument(where + " is not a shard (no meta.shard: made without --shard)");
    const nlohmann::json& sh = d["meta"]["shard"];
    if (!sh.contains("index") || !sh.contains("count") || !sh.contains("cases_sha256") || !sh.contains("cases") ||
        !sh["index"].is_number_integer() || !sh["count"].is_number_integer() || !sh["cases"].is_array())
      throw std::invalid_argument(where + " has an incomplete meta.shard");
    if (fact(d, "commit") != fact(first, "commit") || d["meta"].value("dirty", false) != first["meta"].value("dirty", false))
      throw std::invalid_argument(where + " comes from commit " + fact(d, "commit").substr(0, 12) + ", the first from " +
                                  fact(first, "commit").substr(0, 12) + ": shards of one sweep come from one build");
    if (sh["cases_sha256"] != first["meta"]["shard"]["cases_sha256"] || sh["count"] != first["meta"]["shard"]["count"])
      throw std::invalid_argument(where + " is a shard of another case list or shard count (cases_sha256 or count differ)");
    const std::string gpu = d["meta"]["gpu"].is_string() ? d["meta"]["gpu"].get<std::string>() : "none";
    const std::string gpu0 = first["meta"]["gpu"].is_string() ? first["meta"]["gpu"].get<std::string>() : "none";
    if (gpu != gpu0 && !o.allow_different_hardware)
      throw std::invalid_argument(where + " ran on " + gpu + ", the first on " + gpu0 +
                                  " (--allow-different-hardware to merge anyway)");
    const int index = sh["index"].get<int>();
    if (seen_index.count(index))
      throw std::invalid_argument(where + " repeats shard " + std::to_string(index) + " of " +
                                  std::to_string(sh["count"].get<int>()));
    seen_index[index] = i;
    if (i == 0)
      for (const auto& k : sh["cases"]) all.push_back(k.get<std::string>());
  }
  std::map<std::string, const nlohmann::json*> by_key;
  std::map<std::string, std::vector<std::string>> missing_by_shard;
  for (const nlohmann::json& d : shards)
    for (const auto& r : d["records"]) {
      const std::string k = record_key(r);
      if (by_key.count(k)) throw std::invalid_argument("case " + k + " is in more than one shard document");
      by_key[k] = &r;
    }
  std::vector<std::string> missing;
  for (const auto& k : all)
    if (!by_key.count(k)) missing.push_back(k);
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 5; ++i) list += (i ? ", " : "") + missing[i];
    const int n_shards = first["meta"]["shard"]["count"].get<int>();
    std::string absent;
    for (int s = 0; s < n_shards; ++s)
      if (!seen_index.count(s)) absent += (absent.empty() ? "" : ", ") + std::to_string(s);
    throw std::invalid_argument(std::to_string(missing.size()) + " case" + (missing.size() == 1 ? "" : "s") +
                                " missing (" + list + (missing.size() > 5 ? ", ..." : "") + ")" +
                                (absent.empty() ? "" : "; no document for shard " + absent));
  }
  if (by_key.size() != all.size())
    throw std::invalid_argument("a shard document holds a case that is not in the sweep's case list");
  nlohmann::json meta = first["meta"];
  meta.erase("shard");
  meta["shards"] = nlohmann::json::array();
  for (const auto& [index, i] : seen_index) {
    const nlohmann::json& m = shards[i]["meta"];
    meta["shards"].push_back({{"index", index},
                              {"count", m["shard"]["count"]},
                              {"cases_sha256", m["shard"]["cases_sha256"]},
                              {"assigned", m["shard"].value("assigned", 0)},
                              {"wall_s", m["shard"].value("wall_s", 0.0)},
                              {"host", m.value("host", std::string("?"))},
                              {"gpu", m.contains("gpu") ? m["gpu"] : nlohmann::json(nullptr)},
                              {"device_uuid", m.contains("device_uuid") ? m["device_uuid"] : nlohmann::json(nullptr)},
                              {"date", m.value("date", std::string("?"))}});
  }
  nlohmann::json doc = {{"schema", kResultsSchema}, {"meta", meta}, {"records", nlohmann::json::array()}};
  for (const auto& k : all) doc["records"].push_back(*by_key.at(k));
  return doc;
}

}  // namespace pb
