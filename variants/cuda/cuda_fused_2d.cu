// Single pass with the 2-D footprint staged through shared memory: each block owns an output tile of one job,
// loads the uint8 input rectangle the tile's taps touch (coalesced, both layouts) into shared memory, then every
// output sums taps x taps from there. Tiles shrink per job until the footprint fits the shared-memory budget
// (strong downscales have wide footprints). Weight tables from setup.
#include "variants/cuda/cuda_common.cuh"

namespace pb {
namespace {

using namespace cuda;

constexpr int kThreads = 256;
constexpr int kSmemBudget = 48 * 1024;

struct Tile2D {
  int job, y0, x0, th, tw;  // output rows/cols of the window
  int r0, nr, c0, nc;       // source footprint
};

template <typename T>
__global__ void __launch_bounds__(kThreads)
fused_2d_kernel(const DevJob* __restrict__ jobs, const Tile2D* __restrict__ tiles, DevTables t, Epilogue e,
                DevLayout L, bool chw, T* __restrict__ out) {
  extern __shared__ uint8_t footprint[];  // (3, nr, nc)
  const Tile2D tile = tiles[blockIdx.x];
  const DevJob j = jobs[tile.job];
  const int plane = tile.nr * tile.nc, n = 3 * plane;
  if (chw) {
    for (int i = threadIdx.x; i < n; i += kThreads) {
      const int c = i / plane, rr = (i - c * plane) / tile.nc, cc = i - c * plane - rr * tile.nc;
      footprint[i] = j.src[(size_t(c) * j.src_h + tile.r0 + rr) * j.src_w + tile.c0 + cc];
    }
  } else {  // consecutive threads read consecutive bytes of each interleaved row
    for (int i = threadIdx.x; i < n; i += kThreads) {
      const int rr = i / (3 * tile.nc), rem = i - rr * 3 * tile.nc, cc = rem / 3, c = rem - cc * 3;
      footprint[(c * tile.nr + rr) * tile.nc + cc] = j.src[(size_t(tile.r0 + rr) * j.src_w + tile.c0 + cc) * 3 + c];
    }
  }
  __syncthreads();
  for (int o = threadIdx.x; o < tile.th * tile.tw; o += kThreads) {
    const int y = tile.y0 + o / tile.tw, x = tile.x0 + o % tile.tw;
    if (store_pad_if_outside(out, L, j, y, x)) continue;
    const int ry = j.y0 + y, rx = j.x0 + x;
    const int ev = j.v_entry + ry, eh = j.h_entry + rx;
    const int vs = t.start[ev] - tile.r0, vn = t.count[ev], hs = t.start[eh] - tile.c0, hn = t.count[eh];
    const float* wv = t.w + t.wofs[ev];
    const float* wh = t.w + t.wofs[eh];
    for (int c = 0; c < 3; ++c) {
      const uint8_t* base = footprint + (c * tile.nr + vs) * tile.nc + hs;
      float acc = 0.0f;
      for (int a = 0; a < vn; ++a) {
        float row = 0.0f;
        for (int b = 0; b < hn; ++b) row = fmaf(wh[b], float(base[a * tile.nc + b]), row);
        acc = fmaf(wv[a], row, acc);
      }
      store(out, L, j, c, y, x, epilogue_value(e, acc, c));
    }
  }
}

class CudaFused2d final : public Variant {
 public:
  const VariantInfo& info() const override { return info_; }

  Launch setup(const Plan& plan, const Inputs& in, const Output& out, Workspace& ws) override {
    d_ = upload_plan(plan, in, ws);
    std::vector<Tile2D> tiles;
    smem_ = choose_tiles(
        d_, {{16, 16}, {8, 16}, {8, 8}, {4, 8}, {4, 4}, {2, 2}, {1, 1}}, kSmemBudget, "cuda_fused_2d",
        [&](int job, int y, int x, int th, int tw) { return footprint_of(d_.host_jobs[size_t(job)], job, y, x, th, tw); },
        [](const Tile2D& t) { return 3 * t.nr * t.nc; }, tiles);
    n_tiles_ = int(tiles.size());
    tiles_ = upload(ws, tiles, "tile table");
    return [this, &plan, in, out](void* stream) { run(plan, in, out, stream); };
  }

  void run(const Plan&, const Inputs& in, const Output& out, void* stream) {
    with_dtype(out.dtype, out.data, [&](auto* o) {
      fused_2d_kernel<<<n_tiles_, kThreads, size_t(smem_), static_cast<cudaStream_t>(stream)>>>(
          d_.jobs, tiles_, d_.tables, d_.epi, d_.layout, in.layout == Layout::CHW, o);
      PB_CUDA_CHECK_LAUNCH();
    });
  }

 private:
  // The source rectangle the taps of outputs [y, y + th) x [x, x + tw) touch (empty for pure padding).
  Tile2D footprint_of(const DevJob& j, int job, int y, int x, int th, int tw) const {
    Tile2D t{job, y, x, th, tw, 0, 0, 0, 0};
    const int ya = std::max(j.y0 + y, 0), yb = std::min(j.y0 + y + th, j.rh);
    const int xa = std::max(j.x0 + x, 0), xb = std::min(j.x0 + x + tw, j.rw);
    if (ya >= yb || xa >= xb) return t;
    const Span rows = d_.source_rows(size_t(job), ya, yb), cols = d_.source_cols(size_t(job), xa, xb);
    t.r0 = rows.lo;
    t.nr = rows.n;
    t.c0 = cols.lo;
    t.nc = cols.n;
    return t;
  }

  VariantInfo info_ = cuda_info("cuda_fused_2d",
                                "single pass; each block stages its output tile's uint8 footprint in shared memory "
                                "and every output sums taps x taps from it; tables from setup");
  DevPlan d_;
  Tile2D* tiles_ = nullptr;
  int n_tiles_ = 0, smem_ = 0;
};

}  // namespace

std::unique_ptr<Variant> make_cuda_fused_2d() { return std::make_unique<CudaFused2d>(); }

}  // namespace pb
