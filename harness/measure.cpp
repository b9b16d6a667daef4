#include "harness/measure.hpp"

#include "profiling/cupti_kernels.hpp"
#include "profiling/nvtx.hpp"

namespace pb {

namespace {

double one_rep(ExecBackend& be, const Launch& launch, const TimingOptions& o) {
  be.before_rep(o.cold_l2);
  NvtxRange range("rep");
  return be.time_ms([&](void* s) {
    launch(s);
    if (o.inject_delay_us > 0) be.busy_wait(o.inject_delay_us, s);
  });
}

}  // namespace

std::vector<double> timed_reps(ExecBackend& be, const Launch& launch, int reps, const TimingOptions& o) {
  std::vector<double> ms;
  for (int i = 0; i < reps && !(o.stop && *o.stop); ++i) ms.push_back(one_rep(be, launch, o));
  return ms;
}

nlohmann::json traced_rep(ExecBackend& be, const Launch& launch, const TimingOptions& o, std::string* table) {
  double event_ms = 0;
  NvtxRange range("profiled rep");
  // trace_kernels calls this twice (the first absorbs CUPTI's start-up); the second call's kernels and time stay
  const auto kernels = trace_kernels([&] { event_ms = one_rep(be, launch, o); });
  if (table) *table = kernel_table(kernels);
  nlohmann::json k = kernels_json(kernels);
  nlohmann::json out;
  out["kernels"] = k["kernels"];
  k.erase("kernels");
  k["event_ms"] = event_ms;  // the same repetition by CUDA events: kernels + the gaps between them
  k["launch_gap_ms"] = event_ms - k["kernels_sum_ms"].get<double>();
  out["profile"] = k;
  return out;
}

}  // namespace pb
