#pragma once
#include <string>
#include <vector>

#include "core/pipeline.hpp"
#include "variants/variant.hpp"

namespace pb {

// The tolerance contract of DESIGN.md / the harness issue:
//   float: max |out - ref| <= 1e-4 (normalized units)
//   hf:    every element within one uint8 step (1 / (255 std)) and >= 99.9 % within 1e-5
//   bf16 output adds bf16 rounding (max(|ref|, |out|) * 2^-8) to each element's allowance.
struct ParityResult {
  double max_abs = 0, rms = 0, rel_l2 = 0;
  double frac_over_tol = 0;  // fraction of elements whose error exceeds their allowance
  double frac_inexact = 0;   // fraction further than 1e-5 from the reference (the hf statistic)
  double tol = 0;
  long long unwritten = 0;   // NaN (poison) or inf elements
  long long elements = 0;
  bool ok = false;
  std::string reason;        // why not ok
};

constexpr double kFloatTol = 1e-4;
constexpr double kExactTol = 1e-5;
constexpr double kHfMinExact = 0.999;

double mode_tolerance(const PipelineSpec& spec, Mode mode);
ParityResult check_parity(const std::vector<float>& ref, const std::vector<float>& out, const PipelineSpec& spec,
                          Mode mode, DType dtype);

// bf16 bits -> float (the harness reads bf16 outputs back through this).
std::vector<float> widen_output(const void* host, size_t elems, DType dtype);

}  // namespace pb
