#pragma once
// Batched JPEG decode on the GPU with nvJPEG, straight into the device buffers a CUDA variant reads (HWC RGB): the
// hardware backend where the GPU has a JPEG engine (A100, H100, H200) for the files it supports (baseline, single
// scan, not 4:1:0 / 4:1:1), nvJPEG's default CUDA backend for the rest. Device memory nvJPEG allocates goes through
// the given Allocator (the harness's counting workspace). Built only where nvJPEG was found (PB_HAVE_NVJPEG: the
// CUDA toolkit's, or PyPI's nvidia-nvjpeg wheel through -DPB_NVJPEG_ROOT); nvjpeg_built() says which.
//
// nvJPEG does not apply EXIF orientation and its IDCT and chroma upsampling are not libjpeg's, so its pixels differ
// slightly from Pillow's (measured per image by the caller). Files it cannot take (PNG, CMYK, EXIF-rotated) are the
// caller's to route to the CPU decoder.
#include <memory>
#include <string>
#include <vector>

#include "variants/variant.hpp"

namespace pb {

bool nvjpeg_built();

class NvjpegDecoder {
 public:
  // Throws std::runtime_error when nvJPEG cannot start (or was not built).
  explicit NvjpegDecoder(Allocator& device_memory);
  ~NvjpegDecoder();
  NvjpegDecoder(const NvjpegDecoder&) = delete;
  NvjpegDecoder& operator=(const NvjpegDecoder&) = delete;

  // "hardware+cuda" or "cuda": the backends this GPU gives.
  std::string backends() const;
  // How many of the files the last decode() sent to the hardware engine.
  int last_hardware_count() const;
  // The share (0..1, of pixels) of the files the hardware engine could take that goes to the CUDA backend
  // instead, decoded at the same time on a second stream from a second host thread (the JPEG engines and the SMs
  // are separate). 0, the default, keeps every supported file on the hardware engine: on the H200 every share
  // tried (0.2-0.5) was slower, as the CUDA backend's host-side Huffman decode is far slower than the engine.
  void set_cuda_share(double share);
  // The most device memory nvJPEG held at once (its own buffers, counted as it allocates them).
  size_t peak_bytes() const;
  // Decodes jpegs[i] (whole files in host memory) into dst[i] (device, h x w x 3, shapes as their headers say),
  // on `stream` (a cudaStream_t), after the work already queued on it. Returns when the host's part is done; the
  // GPU's follows on the stream.
  void decode(const std::vector<const std::vector<unsigned char>*>& jpegs, const std::vector<ImageView>& dst,
              void* stream);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pb
