// Separable resize in one kernel with the horizontal-pass intermediate kept on chip: each block owns an output
// tile of one job (tile table from setup, one launch for the ragged batch), runs the horizontal pass for exactly
// the source rows its tile's vertical taps need into shared memory (float), then the vertical pass, the epilogue
// and the final layout (crop, patchify) from there. Tiles shrink per job until the rows fit the shared-memory
// budget (strong downscales need many source rows per output row). Weight tables from setup.
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

constexpr int kThreads = 256;
constexpr int kSmemBudget = 48 * 1024;

struct SmemTile {
  int job, y0, x0, th, tw;  // output rows/cols of the window (inside the resized image: padding handled apart)
  int r0, nr;               // source rows the tile's vertical taps read
};

template <typename T>
__global__ void __launch_bounds__(kThreads)
separable_smem_kernel(const DevJob* __restrict__ jobs, const SmemTile* __restrict__ tiles, DevTables t,
                      Epilogue e, DevLayout L, bool chw, T* __restrict__ out) {
  extern __shared__ float rows[];  // (3, nr, tw)
  const SmemTile tile = tiles[blockIdx.x];
  const DevJob j = jobs[tile.job];
  const int plane = tile.nr * tile.tw;
  // Horizontal pass: one (source row, output column) per thread iteration, all three channels.
  for (int i = threadIdx.x; i < plane; i += kThreads) {
    const int rr = i / tile.tw, xx = i - rr * tile.tw;
    const int rx = j.x0 + tile.x0 + xx;
    float acc[3] = {0.0f, 0.0f, 0.0f};
    if (rx >= 0 && rx < j.rw) {
      const int eh = j.h_entry + rx, hs = t.start[eh], hn = t.count[eh];
      const float* w = t.w + t.wofs[eh];
      const int r = tile.r0 + rr;
      for (int b = 0; b < hn; ++b)
        for (int c = 0; c < 3; ++c) acc[c] = fmaf(w[b], pix(j.src, chw, j.src_h, j.src_w, c, r, hs + b), acc[c]);
    }
    for (int c = 0; c < 3; ++c) rows[c * plane + i] = acc[c];
  }
  __syncthreads();
  // Vertical pass + epilogue + layout.
  for (int o = threadIdx.x; o < tile.th * tile.tw; o += kThreads) {
    const int yy = o / tile.tw, xx = o - yy * tile.tw;
    const int y = tile.y0 + yy, x = tile.x0 + xx;
    if (store_pad_if_outside(out, L, j, y, x)) continue;
    const int ry = j.y0 + y;
    const int ev = j.v_entry + ry, vs = t.start[ev] - tile.r0, vn = t.count[ev];
    const float* w = t.w + t.wofs[ev];
    for (int c = 0; c < 3; ++c) {
      const float* col = rows + c * plane + vs * tile.tw + xx;
      float acc = 0.0f;
      for (int a = 0; a < vn; ++a) acc = fmaf(w[a], col[a * tile.tw], acc);
      store(out, L, j, c, y, x, epilogue_value(e, acc, c));
    }
  }
}

class CudaSeparableSmem final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    std::vector<SmemTile> tiles;
    auto make = [&](int job, int y, int x, int th, int tw) {
      const DevJob& j = d_.host_jobs[size_t(job)];
      // source rows of the tile's rows inside the image (none for pure padding)
      const Span rows = d_.source_rows(size_t(job), std::max(j.y0 + y, 0), std::min(j.y0 + y + th, j.rh));
      return SmemTile{job, y, x, th, tw, rows.lo, rows.n};
    };
    smem_ = choose_tiles(d_, {{16, 64}, {8, 64}, {8, 32}, {4, 32}, {2, 32}, {1, 32}, {1, 16}}, kSmemBudget,
                         "cuda_separable_smem", make,
                         [](const SmemTile& t) { return 3 * t.nr * t.tw * int(sizeof(float)); }, tiles);
    n_tiles_ = int(tiles.size());
    tiles_ = upload(ws, tiles, "tile table");
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs& in, const Output& out, void* stream) {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      separable_smem_kernel<<<n_tiles_, kThreads, size_t(smem_), static_cast<cudaStream_t>(stream)>>>(
          d_.jobs, tiles_, d_.tables, d_.epi, d_.layout, in.layout == Layout::CHW, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  VariantInfo info_ = cuda_info("cuda_separable_smem",
                                "one launch; per output tile the horizontal pass of just the needed source rows goes "
                                "to shared memory, the vertical pass + epilogue + layout read it there; tables from setup");
  DevPlan d_;
  SmemTile* tiles_ = nullptr;
  int n_tiles_ = 0, smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_separable_smem() { return std::make_unique<CudaSeparableSmem>(); }

}  // namespace pb
