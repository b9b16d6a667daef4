#pragma once
// Which design "auto" runs for a plan: the `cuda_auto` variant and the Python package's variant="auto" both ask
// here, so there is one rule, derived from the H200 sweeps it cites (variants/auto_rule.cpp).
#include <string>
#include <vector>

#include "core/plan.hpp"
#include "variants/variant.hpp"

namespace pb {

// The designs of `backend` worth trying for this plan, fastest first; the caller runs the first one that is built,
// supports the case and accepts the plan in setup. Never names an *_auto variant.
std::vector<std::string> auto_designs(Backend backend, const Plan& plan);

// From this many source rows read per output row (weighted over the plan's jobs), and on Qwen's patches, the
// asynchronous strip design comes first (variants/auto_rule.cpp).
constexpr double kAsyncFromRowsPerRow = 6.0;

// The most source pixels any output of the plan reads along one axis (its widest table entry), LLaVA-NeXT's
// batch-padding jobs (a dummy table, never read) left out.
int plan_max_taps(const Plan& plan);
// On Qwen's patches, design G (cuda_separable_fewtap) goes first where every output reads at most this many source
// pixels per axis (the most it takes; variants/auto_rule.cpp).
constexpr int kFewTapMaxTaps = 16;

// Design F's work as its host plan lays it out (cuda_separable_imma, variants/cuda/imma/host_plan.cu), counted from
// the plan alone: tiles of 64 x 32 outputs, each costing chunks (16 source rows) x k-steps (32 source columns per
// 16-column warp, from a multiple of 4). tests/variants/test_imma_plan.cpp checks it against the host plan.
struct ImmaLoad {
  long long tiles = 0, total = 0, heaviest = 0;  // tile count; sum and maximum of chunks x k-steps per tile
};
ImmaLoad imma_load(const Plan& plan);

// Design F goes first where its total tile work fills at least this many waves of its heaviest tile across
// kImmaSlots resident blocks (132 SMs x 3 blocks: the unit the rule was fitted in on the H200; F's kernels hold 3 or
// 4 blocks per SM since session 12), Qwen's patches excepted.
constexpr double kImmaFromWaves = 0.6;
constexpr int kImmaSlots = 396;

}  // namespace pb
