#include <cuda_runtime.h>

#include "python/capi/cuda_device.hpp"

namespace pb::capi {

void use_device(int device) {
  int n = 0;
  const cudaError_t e = cudaGetDeviceCount(&n);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    throw CudaUnavailable(std::string("no usable CUDA device: ") + cudaGetErrorString(e));
  }
  if (device < 0 || device >= n)
    throw std::invalid_argument("CUDA device " + std::to_string(device) + " does not exist (" + std::to_string(n) +
                                " visible)");
  const cudaError_t s = cudaSetDevice(device);
  if (s != cudaSuccess) throw std::runtime_error(std::string("cudaSetDevice failed: ") + cudaGetErrorString(s));
}

void check_device_pointer(const void* p, int device, const std::string& what) {
  cudaPointerAttributes a{};
  const cudaError_t e = cudaPointerGetAttributes(&a, p);
  if (e != cudaSuccess) {
    (void)cudaGetLastError();
    throw std::invalid_argument(what + " is not CUDA memory (" + cudaGetErrorString(e) + ")");
  }
  if (a.type != cudaMemoryTypeDevice && a.type != cudaMemoryTypeManaged)
    throw std::invalid_argument(what + " is host memory: the cuda backend takes device pointers");
  if (a.device != device)
    throw std::invalid_argument(what + " is on CUDA device " + std::to_string(a.device) + ", not " +
                                std::to_string(device));
}

bool stream_capturing(void* stream) {
  cudaStreamCaptureStatus st = cudaStreamCaptureStatusNone;
  const cudaError_t e = cudaStreamIsCapturing(static_cast<cudaStream_t>(stream), &st);
  if (e != cudaSuccess) throw std::runtime_error(std::string("cudaStreamIsCapturing failed: ") + cudaGetErrorString(e));
  return st == cudaStreamCaptureStatusActive;
}

RelaxedCapture::RelaxedCapture() {
  cudaStreamCaptureMode m = cudaStreamCaptureModeRelaxed;
  (void)cudaThreadExchangeStreamCaptureMode(&m);
  prev_ = int(m);
}

RelaxedCapture::~RelaxedCapture() {
  cudaStreamCaptureMode m = cudaStreamCaptureMode(prev_);
  (void)cudaThreadExchangeStreamCaptureMode(&m);
}

}  // namespace pb::capi
