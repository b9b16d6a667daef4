#pragma once
// Runs one case end to end: plan, setup (off the clock), a parity check on fresh inputs against the float64
// reference, warm-up, then the timed repetitions that Google Benchmark drives.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/exec_backend.hpp"
#include "harness/results.hpp"
#include "harness/sweep.hpp"
#include "workloads/workload.hpp"

namespace pb {

struct RunOptions {
  int gpu_reps = 30, cpu_reps = 5, warmup = 2;
  bool warm_l2 = false;
  bool cuda_graph = false;   // GPU: each repetition replays a CUDA graph of the variant's launches (captured in setup)
  uint64_t parity_seed = 0;  // fresh per run; recorded
  std::string repro_suffix;  // flags every repro line shares (reps, warm-l2)
  double inject_delay_us = 0;     // debug: a deliberate slowdown inside the timed region (gate testing)
  bool trace_kernels = true;      // GPU: one extra, untimed-by-events repetition under CUPTI per case
  double copy_ceiling_gbps = 0;   // for the roofline fields
};

// A batch copied into one buffer of the backend's memory, images at fixed offsets (so a variant may keep pointers
// from setup and the harness may overwrite the pixels later).
struct DeviceBatch {
  std::shared_ptr<void> mem;
  Inputs inputs;
};
DeviceBatch upload_batch(ExecBackend& be, const std::vector<Image>& images, Layout layout);
void overwrite_batch(ExecBackend& be, const DeviceBatch& batch, const std::vector<Image>& images);

// Runs a variant once on the given images (setup, run, read back; no timing) and returns float32 values.
std::vector<float> execute_once(ExecBackend& be, Variant& v, const Plan& plan, const std::vector<Image>& images,
                                Layout layout, DType dtype);

// Images and references shared by the cases of one workload.
class WorkloadCache {
 public:
  explicit WorkloadCache(uint64_t parity_seed) : parity_seed_(parity_seed) {}
  const std::vector<Image>& timed(const std::string& workload, Layout l);
  const std::vector<Image>& parity(const std::string& workload, Layout l);
  const std::vector<float>& reference(const std::string& workload, const Plan& plan);
  void keep_only(const std::string& workload);  // frees the others (cases come workload-major)

 private:
  uint64_t parity_seed_;
  std::map<std::string, std::vector<Image>> images_;
  std::map<std::string, std::vector<float>> refs_;
};

class CaseRunner {
 public:
  CaseRunner(ExecBackend& cpu, ExecBackend* cuda, std::string cuda_why, RunOptions opt);
  // Everything before the timed loop. Returns false (with rec.status/reason set) when the case cannot be timed.
  bool prepare(const Case& c, Record& rec);
  // One timed repetition (cache scrub outside the timed region). Returns milliseconds.
  double timed_rep();
  // GPU only: one more repetition with CUPTI kernel tracing on (after the timed ones), stored in rec: the
  // per-kernel breakdown, its sum, span and the event time of the same repetition (the difference is launch gaps).
  void profile_rep(Record& rec);
  const std::string& last_kernel_table() const { return last_kernel_table_; }
  // Frees the case's memory and fills memory and roofline figures into rec.
  void finish(Record& rec);
  int reps_for(const Case& c) const;
  WorkloadCache& cache() { return cache_; }

 private:
  ExecBackend& cpu_;
  ExecBackend* cuda_;
  std::string cuda_why_;
  RunOptions opt_;
  WorkloadCache cache_;
  // state of the case in flight
  ExecBackend* be_ = nullptr;
  std::unique_ptr<Variant> variant_;
  std::unique_ptr<Workspace> ws_;
  std::function<void(void*)> launch_;  // the variant's run() on this case, directly or as a graph replay
  DeviceBatch batch_;
  std::shared_ptr<void> output_mem_;
  Plan plan_;
  Output output_;
  std::string last_kernel_table_;
};

std::string repro_command(const Case& c, const std::string& suffix);



}  // namespace pb
