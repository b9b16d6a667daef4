#pragma once
// The rescale + normalize epilogue of every numerics mode, written once for host and device (PB_HD): the CPU
// variants, the CUDA kernels and the tensor-core design's lookup table all call these, and the float64 reference
// calls epilogue_f64. A resized value v is in the 0..255 domain.
#include <cmath>

#include "core/hd.hpp"
#include "core/pipeline.hpp"

namespace pb {

// Constants per channel, plain arrays so that the struct goes to a kernel by value. Only what the float32 paths
// read belongs here: a larger kernel argument made nvcc keep the Qwen grid out of uniform registers in the
// tensor-core kernel (+9 % instructions); the reference's float64 constants live in the plan.
struct Epilogue {
  Mode mode = Mode::Float;
  float scale[3] = {}, bias[3] = {};      // float: v * scale + bias, i.e. (v / 255 - mean) / std
  float mean255[3] = {}, std255[3] = {};  // hf: fl32(fl32(q - mean255) / std255), mean255 = fl32(fl32(mean) * 255)
  float mean_f[3] = {}, std_f[3] = {};    // fl32(mean), fl32(std): pil mode, and the per-stage variants' normalize
};

Epilogue make_epilogue(const PipelineSpec& spec, Mode mode);

// torchvision's uint8 output: clamp (bicubic overshoots), round half to even.
PB_HD float quantize_u8(float v) { return rintf(fminf(255.0f, fmaxf(0.0f, v))); }

// hf: HF's float32 normalize of a uint8 value q, IEEE-rounded also where a kernel is built with fast math.
PB_HD float epilogue_hf_u8(const Epilogue& e, float q, int c) {
#if defined(__CUDA_ARCH__)
  return __fdiv_rn(__fsub_rn(q, e.mean255[c]), e.std255[c]);
#else
  return (q - e.mean255[c]) / e.std255[c];
#endif
}

// float mode: (v / 255 - mean) / std as one multiply-add (fused on the GPU, as nvcc contracts it).
PB_HD float epilogue_float(const Epilogue& e, float v, int c) { return v * e.scale[c] + e.bias[c]; }

// float and hf modes, from a resized float value (pil values come from Pillow's integer passes: the reference's).
// Tested against Float, zero: nvcc keeps that a uniform load and compare, where `== Mode::Hf` loaded the mode per
// thread in the kernels' epilogues.
PB_HD float epilogue_value(const Epilogue& e, float v, int c) {
  return e.mode != Mode::Float ? epilogue_hf_u8(e, quantize_u8(v), c) : epilogue_float(e, v, c);
}

// The float64 reference (mean and std in double): float mode with no intermediate rounding; hf after rounding the
// float64 value; pil from Pillow's exact uint8, as HF's PIL backend: rescale in float64 then cast, normalize in
// float32. Also the value of a zero padding pixel (v = 0) in every mode.
inline float epilogue_f64(const Epilogue& e, const double* mean, const double* std, double v, int c) {
  if (e.mode == Mode::Pil) return (float(v * (1.0 / 255.0)) - e.mean_f[c]) / e.std_f[c];
  if (e.mode == Mode::Float) return float((v / 255.0 - mean[c]) / std[c]);
  const double q = std::nearbyint(v < 0.0 ? 0.0 : v > 255.0 ? 255.0 : v);
  return epilogue_hf_u8(e, float(q), c);
}

}  // namespace pb
