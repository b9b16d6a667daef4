#pragma once
#include <vector>

#include "core/image.hpp"
#include "core/plan.hpp"

namespace pb {

// The reference: executes a plan with no shortcuts, then the mode's epilogue. float mode: the float64 resize (double
// tables, double intermediate, H pass then V pass). hf mode (antialiased bilinear or bicubic): the mode's definition,
// torchvision's float32 CUDA resize to the bit (core/torchvision_aa.hpp), then clamp, round half to even and HF's
// float32 normalize; hf without antialias falls back to the float64 resize. pil mode: Pillow's 8-bit passes
// (core/pillow.hpp). Returns float32 pixel_values, plan.out_elems long. Images must match plan.inputs in count and
// shape (throws std::invalid_argument otherwise).
std::vector<float> run_reference(const Plan& plan, const std::vector<ImageView>& images);

// The resized (not yet normalized) values of one job's window in double, [c][y][x] with the window's size;
// padding is 0. Exposed for stage-level parity checks.
std::vector<double> reference_resized_window(const Plan& plan, const Job& job, const ImageView& image);

void check_batch_matches(const Plan& plan, const std::vector<ImageView>& images);

}  // namespace pb
