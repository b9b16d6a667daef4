#include "harness/e2e_files.hpp"

#include "harness/e2e.hpp"

#include <algorithm>
#include <atomic>
#include <functional>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <memory>
#include <mutex>
#include <thread>

#include "core/parallel.hpp"
#include "core/pipeline.hpp"
#include "core/reference.hpp"
#include "harness/case_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/nvjpeg_decode.hpp"
#include "harness/parity.hpp"
#include "harness/stats.hpp"
#include "workloads/image_file.hpp"

namespace pb {
namespace {

double now_ms() {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Images [a, b) of the folder: read whole into `bytes` (one thread, in file order: what the page cache serves).
void read_range(const std::vector<std::string>& files, size_t a, size_t b, std::vector<std::vector<unsigned char>>& bytes) {
  for (size_t i = a; i < b; ++i) bytes[i] = read_image_bytes(files[i]);
}

// Images [a, b) decoded by `threads` threads taking the next image as they finish one (sizes are ragged), each
// copied into its slot of the variant's batch buffer (dst[i]: its pointer and shape). A decode failure, or a file
// that no longer decodes to its slot's shape, is rethrown here, naming the file.
void decode_range(const std::vector<std::string>& files, const std::vector<std::vector<unsigned char>>& bytes,
                  size_t a, size_t b, int threads, const std::vector<ImageView>& dst) {
  std::atomic<size_t> next{a};
  std::mutex mu;
  std::string error;
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < b;) {
      try {
        const Image img = decode_image_bytes(files[i], bytes[i], Layout::HWC);
        if (img.h != dst[i].h || img.w != dst[i].w)
          throw std::runtime_error(files[i] + ": changed while the run was timing it (now " + std::to_string(img.h) +
                                   "x" + std::to_string(img.w) + ")");
        std::memcpy(const_cast<uint8_t*>(dst[i].data), img.pixels.data(), img.pixels.size());
      } catch (const std::exception& e) {
        std::lock_guard<std::mutex> lk(mu);
        if (error.empty()) error = e.what();
      }
    }
  };
  std::vector<std::thread> pool;
  const int n = std::max(1, std::min<int>(threads, int(b - a)));
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (!error.empty()) throw std::runtime_error(error);
}

}  // namespace

GroupSplit split_groups(const PipelineSpec& spec, const std::vector<ImageShape>& shapes, Mode mode, int groups,
                        const Plan& full) {
  const size_t n = shapes.size(), g_n = std::max<size_t>(1, std::min<size_t>(size_t(std::max(groups, 1)), n));
  GroupSplit s;
  for (size_t g = 0; g <= g_n; ++g) s.first.push_back(g * n / g_n);
  s.out_off.push_back(0);
  for (size_t g = 0; g < g_n; ++g) {
    s.plans.push_back(make_plan(spec, std::vector<ImageShape>(shapes.begin() + long(s.first[g]),
                                                              shapes.begin() + long(s.first[g + 1])), mode));
    s.out_off.push_back(s.out_off.back() + s.plans.back().out_elems);
  }
  if (s.out_off.back() != full.out_elems)
    throw UsageError("e2e: " + spec.name + "'s batch output is not the concatenation of its images' outputs "
                     "(batch padding), so it cannot be split into groups");
  return s;
}

Record files_stage_record(const Case& c, const char* measure, const std::vector<double>& samples, long long bytes_in,
                          size_t images, const std::string& bound_by) {
  Record r = case_record(c);
  r.samples_ms = samples;
  r.bytes_moved = bytes_in;
  const double sec = summarize(samples).median / 1e3;
  r.extra = {{"measure", measure},
             {"from", "files"},
             {"images", images},
             {"images_per_s", sec > 0 ? double(images) / sec : 0.0},
             {"mb_per_s", sec > 0 ? double(bytes_in) / 1e6 / sec : 0.0},
             {"bound_by", bound_by}};
  r.repro = "prepbench e2e --from files " + c.selection_args();
  return r;
}

std::string slowest_stage(const std::vector<double>& read, const std::vector<double>& decode,
                          const std::vector<double>& resize) {
  const char* stages[3] = {"read", "decode", "resize"};
  const double med[3] = {summarize(read).median, summarize(decode).median, summarize(resize).median};
  return stages[std::max_element(med, med + 3) - med];
}

#ifndef PB_HAVE_CUDA
std::vector<Record> run_e2e_files_gpu(const Case&, const E2EFilesOptions&, ExecBackend&) {
  throw UsageError("e2e --from files: this build has no CUDA");
}
#endif

std::vector<Record> run_e2e_files(const Case& c, const E2EFilesOptions& o, ExecBackend& cpu, ExecBackend* cuda) {
  const PipelineSpec& spec = find_pipeline(c.pipeline);
  if (c.workload.kind != "files")
    throw UsageError("e2e --from files needs a files:DIR workload, not " + c.workload.name);
  if (c.layout != Layout::HWC)
    throw UsageError("e2e --from files: decoded images are channels-last; use --layouts hwc");
  if (c.out != OutLayout::Native || c.launch != LaunchMode::Stream)
    throw UsageError("e2e measures the pipeline's own output layout, launched directly (no nhwc, no graph)");
  if (c.backend() != Backend::Cpu) {  // the registry's word: a CUDA variant of a CPU-only build cannot be made
    if (!nvjpeg_built())
      throw UsageError("e2e --from files with a CUDA variant (" + c.variant + ") decodes with nvJPEG, which this " +
                       "build has not (the CUDA toolkit's, or -DPB_NVJPEG_ROOT=<PyPI nvidia-nvjpeg>/nvidia/cu13)");
    if (!cuda) throw UsageError("e2e --from files with a CUDA variant needs a GPU");
    return run_e2e_files_gpu(c, o, *cuda);
  }
  std::unique_ptr<Variant> whole = make_variant(c.variant);
  std::string why;
  if (!whole->info().supports(c.pipeline, c.layout, c.dtype, c.mode, why)) throw UsageError("e2e: " + why);
  const std::vector<std::string>& files = c.workload.files;
  const size_t n = files.size();
  const int threads = o.decode_threads > 0 ? o.decode_threads : int(std::max(1u, std::thread::hardware_concurrency()));

  // The decoded batch once: shapes, the slots of the batch buffer, the reference.
  std::vector<Image> truth(n);
  std::vector<std::vector<unsigned char>> bytes(n);
  long long compressed = 0;
  for (size_t i = 0; i < n; ++i) {
    bytes[i] = read_image_bytes(files[i]);
    compressed += (long long)bytes[i].size();
    truth[i] = decode_image_bytes(files[i], bytes[i], Layout::HWC);
  }
  std::vector<ImageShape> shapes;
  std::vector<size_t> off{0};
  for (const Image& im : truth) {
    shapes.push_back(im.shape());
    off.push_back(off.back() + im.pixels.size());
  }
  const Plan full = make_plan(spec, shapes, c.mode);
  std::vector<ImageView> views;
  for (const Image& im : truth) views.push_back(im.view());
  const std::vector<float> ref = run_reference(full, views);
  const GroupSplit split = split_groups(spec, shapes, c.mode, o.groups, full);
  const int groups = split.groups();
  const std::vector<size_t>& first = split.first;
  const std::vector<Plan>& plans = split.plans;
  const std::vector<long long>& out_off = split.out_off;

  // The variant's memory: one batch buffer (images back to back, channels last), one output.
  Allocator& alloc = cpu.allocator();
  const size_t dsize = dtype_size(c.dtype), out_bytes = size_t(full.out_elems) * dsize;
  std::shared_ptr<void> in_buf(alloc.allocate(off.back()), [&alloc](void* p) { alloc.release(p); });
  std::shared_ptr<void> out_buf(alloc.allocate(out_bytes), [&alloc](void* p) { alloc.release(p); });
  uint8_t* base = static_cast<uint8_t*>(in_buf.get());
  Inputs all;
  all.layout = Layout::HWC;
  for (size_t i = 0; i < n; ++i) {
    ImageView v = truth[i].view();
    v.data = base + off[i];
    all.images.push_back(v);
  }
  auto inputs = [&](size_t a, size_t b) {
    Inputs in;
    in.layout = Layout::HWC;
    in.images.assign(all.images.begin() + long(a), all.images.begin() + long(b));
    return in;
  };
  Workspace ws(alloc);
  const Launch run_whole = whole->setup(full, all, Output{out_buf.get(), c.dtype}, ws);
  std::vector<std::unique_ptr<Variant>> parts;
  std::vector<Launch> run_part;
  for (int g = 0; g < groups; ++g) {
    parts.push_back(make_variant(c.variant));
    const Output part{static_cast<uint8_t*>(out_buf.get()) + size_t(out_off[size_t(g)]) * dsize, c.dtype};
    run_part.push_back(parts.back()->setup(plans[size_t(g)], inputs(first[size_t(g)], first[size_t(g) + 1]), part, ws));
  }

  // The overlapped schedule: a producer reads and decodes group after group; the variant resizes each one as soon
  // as it is there. Returns its wall time.
  auto overlapped = [&] {
    std::mutex mu;
    std::condition_variable cv;
    int ready = 0;
    std::string error;
    const double t0 = now_ms();
    std::thread producer([&] {
      for (int g = 0; g < groups; ++g) {
        try {
          read_range(files, first[size_t(g)], first[size_t(g) + 1], bytes);
          decode_range(files, bytes, first[size_t(g)], first[size_t(g) + 1], threads, all.images);
        } catch (const std::exception& e) {
          std::lock_guard<std::mutex> lk(mu);
          error = e.what();
          ready = groups;  // the consumer stops waiting
          cv.notify_all();
          return;
        }
        std::lock_guard<std::mutex> lk(mu);
        ++ready;
        cv.notify_all();
      }
    });
    std::string failed;
    for (int g = 0; g < groups; ++g) {
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return ready > g; });
        if (!error.empty()) break;
      }
      try {
        run_part[size_t(g)](nullptr);
      } catch (const std::exception& e) {
        failed = e.what();
        break;
      }
    }
    producer.join();
    if (!error.empty()) throw std::runtime_error(error);
    if (!failed.empty()) throw std::runtime_error(failed);
    return now_ms() - t0;
  };
  auto timed = [](const std::function<void()>& f) {
    const double t0 = now_ms();
    f();
    return now_ms() - t0;
  };
  auto read_all = [&] { read_range(files, 0, n, bytes); };
  auto decode_all = [&] { decode_range(files, bytes, 0, n, threads, all.images); };
  auto resize_all = [&] { run_whole(nullptr); };

  // Parity first, on a poisoned output of the overlapped schedule (every group's part written, nothing else).
  cpu.poison(out_buf.get(), out_bytes);
  overlapped();
  const ParityResult par =
      check_parity(ref, widen_output(out_buf.get(), size_t(full.out_elems), c.dtype), spec, c.mode, c.dtype);

  std::vector<double> t_read, t_decode, t_resize, t_serial, t_overlap;
  read_all();  // warm-up: the page cache, the decode and the variant's first touch of its buffers
  decode_all();
  resize_all();
  for (int r = 0; r < o.reps; ++r) {
    t_read.push_back(timed(read_all));
    t_decode.push_back(timed(decode_all));
    t_resize.push_back(timed(resize_all));
    t_serial.push_back(timed([&] {
      read_all();
      decode_all();
      resize_all();
    }));
    t_overlap.push_back(overlapped());
  }

  const long long decoded = (long long)off.back();
  const std::string bound = slowest_stage(t_read, t_decode, t_resize);
  std::vector<Record> out;
  const struct {
    const char* measure;
    const std::vector<double>* samples;
    long long bytes;
  } rows[] = {{"e2e_read", &t_read, compressed}, {"e2e_decode", &t_decode, compressed},
              {"e2e_resize", &t_resize, decoded}, {"e2e_serial", &t_serial, compressed},
              {"e2e_overlap", &t_overlap, compressed}};
  for (const auto& row : rows) {
    Record r = files_stage_record(c, row.measure, *row.samples, row.bytes, n, bound);
    r.output_bytes = (long long)out_bytes;
    r.extra["compressed_bytes"] = compressed;
    r.extra["decoded_bytes"] = decoded;
    r.extra["groups"] = groups;
    r.extra["decode_threads"] = threads;
    r.extra["variant_threads"] = thread_count();
    out.push_back(r);
  }
  Record& ovl = out.back();
  ovl.parity = par;
  ovl.has_parity = true;
  if (!par.ok) {
    ovl.status = "failed";
    ovl.reason = "parity: " + par.reason;
  }
  return out;
}

}  // namespace pb
