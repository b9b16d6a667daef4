#pragma once
#include "core/plan.hpp"

namespace pb {

// Floating-point operations of the separable algorithm for a plan: 2 per tap of the horizontal pass over the source
// rows each window needs, 2 per tap of the vertical pass, 2 per output for the epilogue. The fewest any of the
// designs here performs (the 2-D ones do more), so flops / bytes is the plan's arithmetic intensity floor.
double separable_flops(const Plan& plan);

}  // namespace pb
