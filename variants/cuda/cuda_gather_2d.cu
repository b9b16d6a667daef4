// One kernel for the whole ragged batch: a tile table built in setup maps each block to a 32x8 output tile of one
// job; every thread evaluates its output's full 2-D filter footprint straight from global memory (uint8 in, final
// layout out, crop and patchify folded into the output coordinates). Weight tables from setup.
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

constexpr int kTileW = 32, kTileH = 8;

template <typename T>
__global__ void __launch_bounds__(kTileW * kTileH)
gather_2d_kernel(const DevJob* __restrict__ jobs, const int3* __restrict__ tiles, DevTables t, Epilogue e,
                   DevLayout L, bool chw, T* __restrict__ out) {
  const int3 tile = tiles[blockIdx.x];
  const DevJob j = jobs[tile.x];
  const int x = tile.z + threadIdx.x, y = tile.y + threadIdx.y;
  if (x >= j.w || y >= j.h) return;
  if (store_pad_if_outside(out, L, j, y, x)) return;
  const int ry = j.y0 + y, rx = j.x0 + x;
  const int ev = j.v_entry + ry, eh = j.h_entry + rx;
  const int vs = t.start[ev], vn = t.count[ev], hs = t.start[eh], hn = t.count[eh];
  const float* wv = t.w + t.wofs[ev];
  const float* wh = t.w + t.wofs[eh];
  float acc[3] = {0.0f, 0.0f, 0.0f};
  for (int a = 0; a < vn; ++a) {
    float row[3] = {0.0f, 0.0f, 0.0f};
    for (int b = 0; b < hn; ++b)
      for (int c = 0; c < 3; ++c) row[c] = fmaf(wh[b], pix(j.src, chw, j.src_h, j.src_w, c, vs + a, hs + b), row[c]);
    for (int c = 0; c < 3; ++c) acc[c] = fmaf(wv[a], row[c], acc[c]);
  }
  for (int c = 0; c < 3; ++c) store(out, L, j, c, y, x, epilogue_value(e, acc[c], c));
}

class CudaGather2d final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    std::vector<int3> tiles;
    for (size_t i = 0; i < d_.host_jobs.size(); ++i)
      append_tiles(tiles, int(i), d_.host_jobs[i].h, d_.host_jobs[i].w, kTileH, kTileW);
    n_tiles_ = int(tiles.size());
    tiles_ = upload(ws, tiles, "tile table");
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs& in, const Output& out, void* stream) {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      gather_2d_kernel<<<n_tiles_, dim3(kTileW, kTileH), 0, static_cast<cudaStream_t>(stream)>>>(
          d_.jobs, tiles_, d_.tables, d_.epi, d_.layout, in.layout == Layout::CHW, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  VariantInfo info_ = cuda_info("cuda_gather_2d",
                                "one launch for the batch via a tile table; each thread sums its output's whole 2-D "
                                "footprint from global memory; epilogue, crop and patchify folded in; tables from setup");
  DevPlan d_;
  int3* tiles_ = nullptr;
  int n_tiles_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_gather_2d() { return std::make_unique<CudaGather2d>(); }

}  // namespace pb
