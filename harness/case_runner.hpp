#pragma once
// Runs one case end to end: plan, setup (off the clock), a parity check on fresh inputs against the float64
// reference, warm-up, the timed repetitions (harness/measure.hpp) and, on the GPU, one CUPTI-traced repetition.
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/case.hpp"
#include "harness/exec_backend.hpp"
#include "harness/results.hpp"
#include "workloads/workload.hpp"

namespace pb {

struct RunOptions {
  int gpu_reps = 30, cpu_reps = 5, warmup = 2;
  bool warm_l2 = false;
  uint64_t parity_seed = 0;       // fresh per run; recorded
  // debug: a deliberate slowdown inside the timed region, for testing the gate: a fixed delay, or a fraction of
  // the case's own warm-up median, in the variants matching inject_variants (every variant when empty)
  double inject_delay_us = 0, inject_delay_frac = 0;
  std::vector<std::string> inject_variants;
  bool trace_kernels = true;      // GPU: one extra, untimed-by-events repetition under CUPTI per case
  double copy_ceiling_gbps = 0;   // for the roofline fields
  const std::atomic<bool>* stop = nullptr;  // set by a signal: the case in flight ends after its current repetition
  int reps_for(Backend b) const { return b == Backend::Cuda ? gpu_reps : cpu_reps; }
  // The flags every repro line of the run shares (repetitions, warm L2).
  std::string repro_flags() const;
};

// A batch copied into one buffer of the backend's memory, images at fixed offsets (so a variant may keep pointers
// from setup and the harness may overwrite the pixels later).
struct DeviceBatch {
  std::shared_ptr<void> mem;
  Inputs inputs;
};
DeviceBatch upload_batch(ExecBackend& be, const std::vector<Image>& images, Layout layout);
void overwrite_batch(ExecBackend& be, const DeviceBatch& batch, const std::vector<Image>& images);
// Backend memory for a plan's output in `dtype`, freed with the returned handle.
std::shared_ptr<void> allocate_output(ExecBackend& be, const Plan& plan, DType dtype);

// Runs a variant once on the given images (setup, run, read back; no timing) and returns float32 values.
std::vector<float> execute_once(ExecBackend& be, Variant& v, const Plan& plan, const std::vector<Image>& images,
                                Layout layout, DType dtype);

// Images and references shared by the cases of one workload.
class WorkloadCache {
 public:
  explicit WorkloadCache(uint64_t parity_seed) : parity_seed_(parity_seed) {}
  const std::vector<Image>& timed(const WorkloadSpec& w, Layout l);
  const std::vector<Image>& parity(const WorkloadSpec& w, Layout l);  // same shapes, fresh content every run
  const std::vector<float>& reference(const WorkloadSpec& w, const Plan& plan);
  void keep_only(const WorkloadSpec& w);  // frees the others (cases come workload-major)

 private:
  uint64_t parity_seed_;
  std::map<std::string, std::vector<Image>> images_;
  std::map<std::string, std::vector<float>> refs_;
};

// A record of case c with its identity filled in (variant, backend, pipeline, workload, layout, dtype, mode).
Record case_record(const Case& c);

// The plan of a case: its pipeline over its workload's shapes in its mode and output layout. Throws GeometryError
// when the pipeline rejects a shape and std::invalid_argument when the output layout does not apply.
Plan plan_case(const Case& c);

class CaseRunner {
 public:
  CaseRunner(ExecBackend& cpu, ExecBackend* cuda, std::string cuda_why, RunOptions opt);
  // Everything for one case, recorded: status ok with samples, or unsupported / skipped / failed with the reason.
  Record run(const Case& c);
  // The CUPTI table of the last traced repetition (GPU cases).
  const std::string& last_kernel_table() const { return last_kernel_table_; }
  WorkloadCache& cache() { return cache_; }

 private:
  bool prepare(const Case& c, Record& rec);
  void measure(const Case& c, Record& rec);
  void finish(Record& rec);

  ExecBackend& cpu_;
  ExecBackend* cuda_;
  std::string cuda_why_;
  RunOptions opt_;
  WorkloadCache cache_;
  // the case in flight
  ExecBackend* be_ = nullptr;
  std::unique_ptr<Variant> variant_;
  std::unique_ptr<Workspace> ws_;
  Launch launch_;  // the variant bound by setup, directly or as a graph replay
  DeviceBatch batch_;
  std::shared_ptr<void> output_mem_;
  Plan plan_;
  std::string last_kernel_table_;
  const char* phase_ = "";  // what the case in flight is doing, for a failure's reason
};

}  // namespace pb
