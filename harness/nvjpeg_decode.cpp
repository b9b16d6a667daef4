#include "harness/nvjpeg_decode.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <thread>

#ifdef PB_HAVE_NVJPEG
#include <nvjpeg.h>

#include "variants/cuda/cuda_check.cuh"
#endif

namespace pb {

#ifndef PB_HAVE_NVJPEG

bool nvjpeg_built() { return false; }
struct NvjpegDecoder::Impl {};
NvjpegDecoder::NvjpegDecoder(Allocator&) {
  throw std::runtime_error("this build has no nvJPEG (configure with the CUDA toolkit's nvJPEG, or -DPB_NVJPEG_ROOT)");
}
NvjpegDecoder::~NvjpegDecoder() = default;
std::string NvjpegDecoder::backends() const { return ""; }
int NvjpegDecoder::last_hardware_count() const { return 0; }
size_t NvjpegDecoder::peak_bytes() const { return 0; }
void NvjpegDecoder::set_cuda_share(double) {}
void NvjpegDecoder::decode(const std::vector<const std::vector<unsigned char>*>&, const std::vector<ImageView>&, void*) {}

#else

bool nvjpeg_built() { return true; }

namespace {

void check(nvjpegStatus_t s, const char* what) {
  if (s != NVJPEG_STATUS_SUCCESS) throw std::runtime_error(std::string("nvJPEG: ") + what + " failed (status " + std::to_string(int(s)) + ")");
}

// nvJPEG's device allocations: through the harness's allocator, counted (live and peak bytes).
struct Counting {
  Allocator* base = nullptr;
  size_t live = 0, peak = 0;
};
int dev_malloc(void* ctx, void** p, size_t bytes, cudaStream_t) {
  Counting& c = *static_cast<Counting*>(ctx);
  try {
    *p = c.base->allocate(bytes);
  } catch (...) {
    return 1;
  }
  c.live += bytes;
  c.peak = std::max(c.peak, c.live);
  return 0;
}
int dev_free(void* ctx, void* p, size_t bytes, cudaStream_t) {
  Counting& c = *static_cast<Counting*>(ctx);
  if (p) {
    c.base->release(p);
    c.live -= std::min(c.live, bytes);
  }
  return 0;
}

// nvJPEG's pinned staging buffers. nvjpegCreateExV2 refuses a null pinned allocator (INVALID_PARAMETER, seen on
// the H200 and here), so it gets plain cudaHostAlloc/cudaFreeHost; they are host memory, outside the device count.
int pinned_malloc(void*, void** p, size_t bytes, cudaStream_t) {
  return cudaHostAlloc(p, bytes, cudaHostAllocDefault) == cudaSuccess ? 0 : 1;
}
int pinned_free(void*, void* p, size_t, cudaStream_t) { return p && cudaFreeHost(p) != cudaSuccess ? 1 : 0; }

// One backend: its handle, its batched state, the batch size it was last initialised for.
struct Engine {
  nvjpegHandle_t handle = nullptr;
  nvjpegJpegState_t state = nullptr;
  int batch = -1;
  ~Engine() {
    if (state) nvjpegJpegStateDestroy(state);
    if (handle) nvjpegDestroy(handle);
  }
  // The status of nvjpegCreateExV2 (NVJPEG_STATUS_SUCCESS when this backend is up).
  nvjpegStatus_t start(nvjpegBackend_t backend, nvjpegDevAllocatorV2_t* alloc, nvjpegPinnedAllocatorV2_t* pinned) {
    const nvjpegStatus_t st = nvjpegCreateExV2(backend, alloc, pinned, 0, &handle);
    if (st != NVJPEG_STATUS_SUCCESS) {
      handle = nullptr;
      return st;
    }
    check(nvjpegJpegStateCreate(handle, &state), "nvjpegJpegStateCreate");
    return st;
  }
  void run(const std::vector<const unsigned char*>& data, const std::vector<size_t>& len,
           std::vector<nvjpegImage_t>& out, cudaStream_t stream) {
    const int n = int(data.size());
    if (n == 0) return;
    if (n != batch) {
      check(nvjpegDecodeBatchedInitialize(handle, state, n, 1, NVJPEG_OUTPUT_RGBI), "nvjpegDecodeBatchedInitialize");
      batch = n;
    }
    check(nvjpegDecodeBatched(handle, state, data.data(), len.data(), out.data(), stream), "nvjpegDecodeBatched");
  }
};

}  // namespace

struct NvjpegDecoder::Impl {
  Counting counting;  // before the engines: they free into it when destroyed
  nvjpegDevAllocatorV2_t alloc{};
  nvjpegPinnedAllocatorV2_t pinned{pinned_malloc, pinned_free, nullptr};
  Engine hw, cuda;
  bool has_hw = false;
  nvjpegJpegStream_t parsed = nullptr;  // for asking the hardware engine what it supports
  int hw_count = 0;
  double cuda_share = 0;
  cudaStream_t side = nullptr;  // the CUDA backend's stream when it runs beside the hardware engine
  cudaEvent_t queued = nullptr, side_done = nullptr;
  ~Impl() {
    if (parsed) nvjpegJpegStreamDestroy(parsed);
    if (queued) cudaEventDestroy(queued);
    if (side_done) cudaEventDestroy(side_done);
    if (side) cudaStreamDestroy(side);
  }
};

NvjpegDecoder::NvjpegDecoder(Allocator& device_memory) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.counting.base = &device_memory;
  m.alloc = {dev_malloc, dev_free, &m.counting};
  // the hardware backend fails where the GPU has no JPEG engine; the CUDA one must start
  m.has_hw = m.hw.start(NVJPEG_BACKEND_HARDWARE, &m.alloc, &m.pinned) == NVJPEG_STATUS_SUCCESS;
  const nvjpegStatus_t st = m.cuda.start(NVJPEG_BACKEND_DEFAULT, &m.alloc, &m.pinned);
  if (st != NVJPEG_STATUS_SUCCESS)
    throw std::runtime_error("nvJPEG: cannot start its CUDA backend (nvjpegCreateExV2 status " + std::to_string(int(st)) + ")");
  if (m.has_hw) check(nvjpegJpegStreamCreate(m.hw.handle, &m.parsed), "nvjpegJpegStreamCreate");
}

NvjpegDecoder::~NvjpegDecoder() = default;

std::string NvjpegDecoder::backends() const { return impl_->has_hw ? "hardware+cuda" : "cuda"; }
int NvjpegDecoder::last_hardware_count() const { return impl_->hw_count; }
size_t NvjpegDecoder::peak_bytes() const { return impl_->counting.peak; }
void NvjpegDecoder::set_cuda_share(double share) {
  if (!(share >= 0 && share <= 1)) throw std::invalid_argument("nvJPEG: the CUDA backend's share is 0..1");
  impl_->cuda_share = share;
}

void NvjpegDecoder::decode(const std::vector<const std::vector<unsigned char>*>& jpegs, const std::vector<ImageView>& dst,
                           void* stream) {
  if (jpegs.size() != dst.size()) throw std::invalid_argument("nvJPEG decode: as many destinations as files");
  Impl& m = *impl_;
  std::vector<const unsigned char*> data[2];
  std::vector<size_t> len[2];
  std::vector<nvjpegImage_t> out[2];
  std::vector<int> engine(jpegs.size(), 1);  // 0 hardware, 1 CUDA backend
  double hw_pixels = 0;
  for (size_t i = 0; i < jpegs.size(); ++i) {
    const std::vector<unsigned char>& b = *jpegs[i];
    int supported = 1;  // nvJPEG's convention: 0 means supported
    if (m.has_hw && nvjpegJpegStreamParseHeader(m.hw.handle, b.data(), b.size(), m.parsed) == NVJPEG_STATUS_SUCCESS)
      check(nvjpegDecodeBatchedSupported(m.hw.handle, m.parsed, &supported), "nvjpegDecodeBatchedSupported");
    if (supported == 0) {
      engine[i] = 0;
      hw_pixels += double(dst[i].h) * double(dst[i].w);
    }
  }
  // the CUDA backend's share of the hardware-capable pixels, taken in file order
  double moved = 0;
  for (size_t i = 0; i < jpegs.size() && m.cuda_share > 0; ++i) {
    const double px = double(dst[i].h) * double(dst[i].w);
    if (engine[i] == 0 && moved + px / 2 <= m.cuda_share * hw_pixels) {
      engine[i] = 1;
      moved += px;
    }
  }
  for (size_t i = 0; i < jpegs.size(); ++i) {
    nvjpegImage_t img{};
    img.channel[0] = const_cast<unsigned char*>(dst[i].data);
    img.pitch[0] = size_t(dst[i].w) * 3;
    data[engine[i]].push_back(jpegs[i]->data());
    len[engine[i]].push_back(jpegs[i]->size());
    out[engine[i]].push_back(img);
  }
  const cudaStream_t s = static_cast<cudaStream_t>(stream);
  m.hw_count = int(data[0].size());
  if (data[0].empty() || data[1].empty()) {  // one backend: in order on the caller's stream
    if (!data[0].empty()) m.hw.run(data[0], len[0], out[0], s);
    m.cuda.run(data[1], len[1], out[1], s);
    return;
  }
  // both: the CUDA backend on the side stream (after what `stream` had queued) from a second host thread, its
  // end joined back into `stream`
  if (!m.side) {
    PB_CUDA_CHECK(cudaStreamCreateWithFlags(&m.side, cudaStreamNonBlocking));
    PB_CUDA_CHECK(cudaEventCreateWithFlags(&m.queued, cudaEventDisableTiming));
    PB_CUDA_CHECK(cudaEventCreateWithFlags(&m.side_done, cudaEventDisableTiming));
  }
  PB_CUDA_CHECK(cudaEventRecord(m.queued, s));
  PB_CUDA_CHECK(cudaStreamWaitEvent(m.side, m.queued, 0));
  std::string side_error;
  std::thread side([&] {
    try {
      m.cuda.run(data[1], len[1], out[1], m.side);
      PB_CUDA_CHECK(cudaEventRecord(m.side_done, m.side));
    } catch (const std::exception& e) {
      side_error = e.what();
    }
  });
  std::string hw_error;
  try {
    m.hw.run(data[0], len[0], out[0], s);
  } catch (const std::exception& e) {
    hw_error = e.what();
  }
  side.join();
  if (!hw_error.empty()) throw std::runtime_error(hw_error);
  if (!side_error.empty()) throw std::runtime_error(side_error);
  PB_CUDA_CHECK(cudaStreamWaitEvent(s, m.side_done, 0));
}

#endif

}  // namespace pb
