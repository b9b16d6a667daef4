#pragma once
#include <cstdint>

namespace pb {

// splitmix64: tiny, well mixed, and defined by integer arithmetic only, so every platform makes the same bytes.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct Rng {
  uint64_t state;
  explicit Rng(uint64_t seed) : state(seed) {}
  uint64_t next() { return splitmix64(state += 0x9E3779B97F4A7C15ull); }
  // Uniform integer in [lo, hi] (hi - lo small relative to 2^64, so the modulo bias is negligible).
  int uniform(int lo, int hi) { return lo + int(next() % uint64_t(hi - lo + 1)); }
};

}  // namespace pb
