#pragma once
// The few CUDA runtime calls the C ABI makes itself (everything else is the variants'): the device of a call and
// where its pointers live (cuda_device.cu; called in a build with CUDA only).
#include <stdexcept>
#include <string>

namespace pb {
struct CudaUnavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace pb

namespace pb::capi {

// cudaSetDevice(device) for this thread; CudaUnavailable when no GPU is usable, invalid_argument for a bad index.
void use_device(int device);
// invalid_argument unless p is device (or managed) memory of `device`.
void check_device_pointer(const void* p, int device, const std::string& what);
// Whether `stream` is being captured into a CUDA graph.
bool stream_capturing(void* stream);
// While alive, this thread's capture mode is relaxed, so that a setup during capture may cudaMalloc and copy its
// tables (torch's allocator does the same around its cudaMalloc).
class RelaxedCapture {
 public:
  RelaxedCapture();
  ~RelaxedCapture();
  RelaxedCapture(const RelaxedCapture&) = delete;
  RelaxedCapture& operator=(const RelaxedCapture&) = delete;

 private:
  int prev_;
};

}  // namespace pb::capi
