#pragma once
// End to end from encoded files. On the CPU, as a data loader without a GPU decoder runs it: the files' bytes read
// (from the page cache after the first repetition), decoded by D threads (libjpeg-turbo / libpng, bit-exact with
// Pillow), then a CPU variant over the batch. Five records per case, interleaved repetition by repetition, each one
// record of the results schema with its `measure`: e2e_read, e2e_decode (each decoded image copied into the
// variant's batch buffer: part of the stage), e2e_resize (the variant alone), e2e_serial (the three in sequence)
// and e2e_overlap (the batch in G groups: group g + 1 read and decoded on the decode threads while the variant
// resizes group g). The overlapped output is parity-checked against the reference of the decoded images.
#include <vector>

#include "harness/case.hpp"
#include "harness/exec_backend.hpp"
#include "harness/results.hpp"

namespace pb {

struct E2EFilesOptions {
  int groups = 4;
  int reps = 10;
  int decode_threads = 0;  // 0: the machine's hardware threads
  double cuda_decode_share = 0;  // GPU: pixels for nvJPEG's CUDA backend beside the hardware engine (NvjpegDecoder)
};

// UsageError when the case cannot run this way (not a files: workload, channels first, a CUDA variant without a GPU
// or without nvJPEG in the build). `cuda` may be null when no case needs it.
std::vector<Record> run_e2e_files(const Case& c, const E2EFilesOptions& o, ExecBackend& cpu, ExecBackend* cuda);

// What every from-files record carries, on both paths: the case, its measure and samples, the bytes of the stage's
// input (bytes_moved), images/s and MB/s of that input, the stage bounding the path, and the repro.
Record files_stage_record(const Case& c, const char* measure, const std::vector<double>& samples, long long bytes_in,
                          size_t images, const std::string& bound_by);
// The slowest of the three stages measured alone: "read", "decode" or "resize".
std::string slowest_stage(const std::vector<double>& read, const std::vector<double>& decode,
                          const std::vector<double>& resize);

// The GPU path (harness/e2e_files_cuda.cu): JPEGs decoded by nvJPEG into the CUDA variant's device inputs; five
// records: e2e_read, e2e_decode (with nvJPEG's pixels against Pillow's, per image), e2e_resize, e2e_serial and
// e2e_overlap (a stream of batches; with the variant's parity against the reference of nvJPEG's pixels, and its
// difference from the reference of Pillow's decode).
std::vector<Record> run_e2e_files_gpu(const Case& c, const E2EFilesOptions& o, ExecBackend& cuda);

}  // namespace pb
