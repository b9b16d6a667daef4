#pragma once
#include <vector>

#include "core/image.hpp"
#include "core/plan.hpp"

namespace pb {

// The float64 reference: executes a plan with no shortcuts (double tables, double intermediate, H pass then V
// pass), then the mode's epilogue. Returns float32 pixel_values, plan.out_elems long. Images must match
// plan.inputs in count and shape (throws std::invalid_argument otherwise).
std::vector<float> run_reference(const Plan& plan, const std::vector<ImageView>& images);

// The resized (not yet normalized) values of one job's window in double, [c][y][x] with the window's size;
// padding is 0. Exposed for stage-level parity checks.
std::vector<double> reference_resized_window(const Plan& plan, const Job& job, const ImageView& image);

void check_batch_matches(const Plan& plan, const std::vector<ImageView>& images);

}  // namespace pb
