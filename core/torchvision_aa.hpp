#pragma once
// torchvision's antialiased resize of a float32 image as it runs on a CUDA device, to the bit: ATen's
// upsample_gen2d_aa_out_frame (aten/src/ATen/native/cuda/UpSampleBilinear2d.cu, weights from UpSample.cuh's
// upsample_antialias::_compute_weights_span / _compute_weights). Everything is float32, in the kernel's order and
// with the fused multiply-adds of PyTorch's CUDA build:
//   scale = fl(in / out); support = fl(size/2 * scale) when scale >= 1, else size/2; h = fl(i + 0.5)
//   the centre scale * h is fused into each of its three uses:
//   xmin = max(int(fl(fma(h, scale, -support) + 0.5)), 0), xsize = min(int(fl(fma(h, scale, support) + 0.5)), in) - xmin
//   xmin_m_center = fma(-h, scale, xmin); arg_j = fl(fl(fl(j + xmin_m_center) + 0.5) * fl(1 / scale)) (1 when scale < 1)
//   cubic (a = -0.5): x < 1: fma(fl(fma(x, 1.5, -2.5) * x), x, 1); x < 2: fl(fma(fma(x - 5, x, 8), x, -4) * -0.5)
//   w_j = fl(raw_j / total), total the float sum of raw_j in order (skipped when total is 0)
//   each pass: acc = fl(src_0 * w_0), then acc = fma(src_j, w_j, acc) in tap order; horizontal pass first, its
//   results stored as float, then the vertical pass over them.
// The filter's and the passes' fusions are those nvcc 13.0 emits for these expressions (PTX, sm_90); the centre's
// could not be read that way (a re-typed kernel keeps it unfused) and was settled by the goldens: with it fused,
// all 28 float32 outputs torchvision wrote on the GPU machine (H100, torch 2.11.0+cu130; tests/golden, 10 000
// samples each) are reproduced bit for bit; unfused, they differ by up to 6.8e-5.
// This is the arithmetic of the `hf` mode (transformers' fast processors on device="cuda": the uint8 image cast to
// float32, this resize, clamp to [0, 255] for bicubic, round half to even, uint8). Checked against the goldens that
// torchvision wrote there (tests/core/test_golden.cpp). Only Bilinear and Bicubic exist there.
#include <vector>

#include "core/image.hpp"
#include "core/resample.hpp"

namespace pb {

// One axis: output i reads inputs [start[i], start[i] + count[i]) with float32 weights w[i * stride + j].
struct TvAxis {
  int stride = 0;
  std::vector<int> start, count;
  std::vector<float> w;
};
// Throws std::invalid_argument for a filter torchvision has no antialiased CUDA kernel for.
TvAxis torchvision_aa_axis(int in, int out, Filter f);

// Rows [ya, yb) x columns [xa, xb) of the image resized to (rh, rw) by torchvision on CUDA, unrounded float32,
// channel-major (3, yb - ya, xb - xa). An image already (rh, rw) comes back as it is (torchvision returns the input).
std::vector<float> torchvision_aa_window(const ImageView& src, int rh, int rw, Filter f, int ya, int yb, int xa,
                                         int xb);

}  // namespace pb
