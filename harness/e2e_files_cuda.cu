// The GPU path of `prepbench e2e --from files` (harness/e2e_files.hpp): the JPEGs' bytes read on the host, decoded
// by nvJPEG straight into the device buffers a CUDA variant reads, then the variant; no pixel crosses PCIe.
#include <chrono>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "core/pipeline.hpp"
#include "core/reference.hpp"
#include "harness/case_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/e2e_files.hpp"
#include "harness/nvjpeg_decode.hpp"
#include "harness/parity.hpp"
#include "harness/stats.hpp"
#include "variants/cuda/cuda_check.cuh"
#include "workloads/image_file.hpp"

namespace pb {

std::vector<Record> run_e2e_files_gpu(const Case& c, const E2EFilesOptions& o, ExecBackend& cuda) {
  const PipelineSpec& spec = find_pipeline(c.pipeline);
  std::unique_ptr<Variant> v = make_variant(c.variant);
  std::string why;
  if (!v->info().supports(c.pipeline, c.layout, c.dtype, c.mode, why)) throw UsageError("e2e: " + why);
  const std::vector<std::string>& files = c.workload.files;
  const size_t n = files.size();

  // Headers first: nvJPEG takes baseline and progressive JPEG, but neither PNG nor EXIF rotation.
  std::vector<std::vector<unsigned char>> bytes(n);
  std::vector<ImageShape> shapes;
  long long compressed = 0;
  for (size_t i = 0; i < n; ++i) {
    bytes[i] = read_image_bytes(files[i]);
    compressed += (long long)bytes[i].size();
    if (!is_jpeg_bytes(bytes[i]))
      throw UsageError("e2e --from files on the GPU decodes JPEG only: " + files[i] + " is not a JPEG");
    const JpegInfo info = jpeg_info(files[i], bytes[i]);
    if (info.orientation != 1)
      throw UsageError("e2e --from files on the GPU: " + files[i] + " has EXIF orientation " +
                       std::to_string(info.orientation) + ", which nvJPEG does not apply");
    shapes.push_back({info.h, info.w});
  }

  // Device memory: the images back to back (channels last, as nvJPEG writes them), the output; all counted.
  Allocator& alloc = cuda.allocator();
  Workspace ws(alloc);
  std::vector<size_t> off{0};
  for (const ImageShape& s : shapes) off.push_back(off.back() + size_t(s.h) * size_t(s.w) * 3);
  const Plan plan = make_plan(spec, shapes, c.mode);
  const size_t dsize = dtype_size(c.dtype), out_bytes = size_t(plan.out_elems) * dsize;
  uint8_t* din = static_cast<uint8_t*>(ws.allocate(off.back(), "decoded images"));
  void* dout = ws.allocate(out_bytes, "output");
  Inputs in;
  in.layout = Layout::HWC;
  for (size_t i = 0; i < n; ++i) in.images.push_back({din + off[i], shapes[i].h, shapes[i].w, Layout::HWC});
  const Launch run = v->setup(plan, in, Output{dout, c.dtype}, ws);
  // nvJPEG's hardware backend allocates outside the counting allocator (it counted 0 bytes on the H200), so its
  // footprint is also taken from the device's free memory: before the decoder, and after its first decode
  size_t free_before = 0, free_after = 0, total = 0;
  PB_CUDA_CHECK(cudaMemGetInfo(&free_before, &total));
  NvjpegDecoder dec(alloc);
  dec.set_cuda_share(o.cuda_decode_share);
  cudaStream_t stream = nullptr;
  PB_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
  std::unique_ptr<CUstream_st, void (*)(cudaStream_t)> stream_guard(stream, [](cudaStream_t s) { cudaStreamDestroy(s); });
  cudaEvent_t e0 = nullptr, e1 = nullptr;
  PB_CUDA_CHECK(cudaEventCreate(&e0));
  PB_CUDA_CHECK(cudaEventCreate(&e1));
  std::vector<const std::vector<unsigned char>*> ptrs;
  for (const auto& b : bytes) ptrs.push_back(&b);
  auto read_into = [&](std::vector<std::vector<unsigned char>>& dst) {
    for (size_t i = 0; i < n; ++i) dst[i] = read_image_bytes(files[i]);
  };
  auto read_all = [&] { read_into(bytes); };
  auto decode_all = [&] {
    dec.decode(ptrs, in.images, stream);
    PB_CUDA_CHECK(cudaStreamSynchronize(stream));
  };
  auto kernel = [&] {
    run(stream);
    PB_CUDA_CHECK_LAUNCH();
  };
  auto wall = [](auto&& f) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  };

  // Decode parity: nvJPEG's pixels against Pillow's (prepbench's CPU decode), per image; then the variant's output
  // against the reference of nvJPEG's pixels, on a poisoned output.
  PB_CUDA_CHECK(cudaMemset(dout, 0xFF, out_bytes));
  decode_all();
  kernel();
  PB_CUDA_CHECK(cudaStreamSynchronize(stream));
  std::vector<uint8_t> pixels(off.back()), back(out_bytes);
  PB_CUDA_CHECK(cudaMemcpy(pixels.data(), din, off.back(), cudaMemcpyDeviceToHost));
  PB_CUDA_CHECK(cudaMemcpy(back.data(), dout, out_bytes, cudaMemcpyDeviceToHost));
  nlohmann::json per_image = nlohmann::json::array();
  long long differing = 0;
  int worst = 0;
  std::vector<ImageView> views;
  std::vector<Image> pillow;  // prepbench's CPU decode, which equals Pillow's (tested in CI)
  PB_CUDA_CHECK(cudaMemGetInfo(&free_after, &total));
  for (size_t i = 0; i < n; ++i) {
    Image cpu = decode_image_bytes(files[i], bytes[i], Layout::HWC);  // moved into `pillow` below
    long long d = 0;
    int mx = 0;
    for (size_t k = 0; k < cpu.pixels.size(); ++k) {
      const int diff = std::abs(int(cpu.pixels[k]) - int(pixels[off[i] + k]));
      d += diff != 0;
      mx = std::max(mx, diff);
    }
    differing += d;
    worst = std::max(worst, mx);
    per_image.push_back({{"file", files[i]}, {"max_level_diff", mx}, {"frac_differing", double(d) / double(cpu.pixels.size())}});
    views.push_back({pixels.data() + off[i], shapes[i].h, shapes[i].w, Layout::HWC});
    pillow.push_back(std::move(cpu));
  }
  const auto ref = run_reference(plan, views);
  const ParityResult first =
      check_parity(ref, widen_output(back.data(), size_t(plan.out_elems), c.dtype), spec, c.mode, c.dtype);
  // and against the reference of Pillow's decode of the same files: what the HF processor gives when fed Pillow's
  // pixels (the real-photo goldens hold that reference to the processor bit for bit), so the decoder's difference
  std::vector<ImageView> pillow_views;
  for (const Image& im : pillow) pillow_views.push_back(im.view());
  const ParityResult vs_pillow = check_parity(run_reference(plan, pillow_views),
                                              widen_output(back.data(), size_t(plan.out_elems), c.dtype), spec, c.mode, c.dtype);
  pillow.clear();

  // The overlapped schedule, as a stream of batches: the host reads batch b+1 (into the other of two byte sets)
  // while nvJPEG decodes batch b and the variant resizes it. Per batch, over kBatches batches, the first read
  // included. A batch's bytes are rewritten only after the stream has finished the batch that used them.
  constexpr int kBatches = 4;
  std::vector<std::vector<unsigned char>> spare(n);
  std::vector<const std::vector<unsigned char>*> spare_ptrs;
  for (const auto& b : spare) spare_ptrs.push_back(&b);
  auto overlapped = [&] {
    std::vector<std::vector<unsigned char>>* set[2] = {&bytes, &spare};
    const std::vector<const std::vector<unsigned char>*>* set_ptrs[2] = {&ptrs, &spare_ptrs};
    return wall([&] {
      read_all();
      for (int b = 0; b < kBatches; ++b) {
        std::string error;
        std::thread reader;
        if (b + 1 < kBatches) reader = std::thread([&, next = set[(b + 1) % 2]] {
          try {
            read_into(*next);
          } catch (const std::exception& e) {
            error = e.what();
          }
        });
        try {
          dec.decode(*set_ptrs[b % 2], in.images, stream);
          kernel();
          PB_CUDA_CHECK(cudaStreamSynchronize(stream));
        } catch (...) {
          if (reader.joinable()) reader.join();
          throw;
        }
        if (reader.joinable()) reader.join();
        if (!error.empty()) throw std::runtime_error(error);
      }
    }) / kBatches;
  };

  std::vector<double> t_read, t_decode, t_kernel, t_serial, t_overlap;
  for (int r = 0; r < o.reps + 1; ++r) {  // one warm-up round
    const double a = wall(read_all), b = wall(decode_all);
    cuda.before_rep(true);
    PB_CUDA_CHECK(cudaEventRecord(e0, stream));
    kernel();
    PB_CUDA_CHECK(cudaEventRecord(e1, stream));
    PB_CUDA_CHECK(cudaEventSynchronize(e1));
    float k = 0;
    PB_CUDA_CHECK(cudaEventElapsedTime(&k, e0, e1));
    const double s = wall([&] {
      read_all();
      dec.decode(ptrs, in.images, stream);
      kernel();
      PB_CUDA_CHECK(cudaStreamSynchronize(stream));
    });
    const double ov = overlapped();
    if (r == 0) continue;
    t_read.push_back(a);
    t_decode.push_back(b);
    t_kernel.push_back(double(k));
    t_serial.push_back(s);
    t_overlap.push_back(ov);
  }
  cudaEventDestroy(e0);
  cudaEventDestroy(e1);
  // and the output the overlapped schedule left (its last batch), poisoned before it
  PB_CUDA_CHECK(cudaMemset(dout, 0xFF, out_bytes));
  overlapped();
  PB_CUDA_CHECK(cudaMemcpy(back.data(), dout, out_bytes, cudaMemcpyDeviceToHost));
  ParityResult par = check_parity(ref, widen_output(back.data(), size_t(plan.out_elems), c.dtype), spec, c.mode, c.dtype);
  if (!first.ok) par = first;

  const std::string bound = slowest_stage(t_read, t_decode, t_kernel);
  std::vector<Record> out;
  const struct {
    const char* measure;
    const std::vector<double>* samples;
    long long bytes;
  } rows[] = {{"e2e_read", &t_read, compressed}, {"e2e_decode", &t_decode, compressed},
              {"e2e_resize", &t_kernel, (long long)off.back()}, {"e2e_serial", &t_serial, compressed},
              {"e2e_overlap", &t_overlap, compressed}};
  for (const auto& row : rows) {
    Record r = files_stage_record(c, row.measure, *row.samples, row.bytes, n, bound);
    r.output_bytes = (long long)out_bytes;
    r.peak_workspace_bytes = (long long)(ws.peak_bytes() + dec.peak_bytes());
    r.extra["compressed_bytes"] = compressed;
    r.extra["decoded_bytes"] = (long long)off.back();
    r.extra["decoder"] = "nvjpeg " + dec.backends();
    r.extra["hardware_decoded"] = dec.last_hardware_count();
    r.extra["cuda_decode_share"] = o.cuda_decode_share;
    r.extra["decoder_peak_bytes"] = (long long)dec.peak_bytes();
    r.extra["decoder_device_bytes_seen"] = (long long)free_before - (long long)free_after;
    if (std::string(row.measure) == "e2e_decode")
      r.extra["decode_vs_pillow"] = {{"max_level_diff", worst},
                                     {"frac_differing", double(differing) / double(off.back())},
                                     {"per_image", per_image}};
    if (std::string(row.measure) == "e2e_overlap") {
      r.extra["overlap_batches"] = kBatches;
      r.extra["vs_pillow_decode"] = {{"max_abs", vs_pillow.max_abs},
                                     {"frac_inexact", vs_pillow.frac_inexact},
                                     {"frac_over_tol", vs_pillow.frac_over_tol}};
      r.parity = par;
      r.has_parity = true;
      if (!par.ok) {
        r.status = "failed";
        r.reason = "parity: " + par.reason;
      }
    }
    out.push_back(r);
  }
  return out;
}

}  // namespace pb
