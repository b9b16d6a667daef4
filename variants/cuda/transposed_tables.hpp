#pragma once
// The tables of the designs whose vertical pass runs transposed (design E, variants/cuda/wgmma/, and F,
// variants/cuda/imma/), as their kernels read them; their kernel arguments derive from TransposedTables.
#include "variants/cuda/cuda_common.cuh"

namespace pb::cuda {

// The horizontal weights' int8 limbs, the vertical fp16 hi + lo fragments, the column scales, the row-block masks,
// the hf table.
struct TransposedTables {
  const uint4 *hfrag, *vfrag;
  const float* scales;
  const uint8_t* masks;
  const float* hf_lut;
};

// A host plan's tables (its hfrag, vfrag, scales, masks, lut) copied into workspace memory.
template <typename HostPlan>
TransposedTables upload_transposed(Workspace& ws, const HostPlan& hp) {
  TransposedTables t;
  t.hfrag = upload(ws, hp.hfrag, "horizontal weight limbs");
  t.vfrag = upload(ws, hp.vfrag, "vertical weight fragments");
  t.scales = upload(ws, hp.scales, "column scales");
  t.masks = upload(ws, hp.masks, "row-block masks");
  t.hf_lut = upload(ws, hp.lut, "hf epilogue table");
  return t;
}

}  // namespace pb::cuda
