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

}  // namespace pb
