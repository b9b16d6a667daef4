#include <cstdio>

#include <nlohmann/json.hpp>

#include "harness/case_runner.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "workloads/npy.hpp"

namespace pb {

// prepbench apply: one variant, once, on the given images; writes float32 pixel_values shaped as the HF processor
// returns them for that batch. For direct comparisons with other libraries (peers/compare_hf.py).
const CommandSpec& spec_apply() {
  static const CommandSpec spec{
      "apply", "--variant V --pipeline P --mode M --images A.npy,B.npy --out OUT.npy",
      "one variant, once, on the given images (no timing): its pixel_values as .npy",
      {{"variant", "V", "variant (required; `prepbench list`)"},
       {"pipeline", "P", "pipeline (required)"},
       {"mode", "M", "numerics: float or hf (required)"},
       {"images", "A.npy,...", "uint8 images, one batch (required)"},
       {"layout", "L", "layout of the input arrays: hwc or chw (default hwc)"},
       {"dtype", "D", "the variant's output dtype: fp32 or bf16 (default fp32; written widened to float32)"},
       {"out", "OUT.npy", "where pixel_values go (required)"}},
      ""};
  return spec;
}

int cmd_apply(const std::vector<std::string>& args) {
  Args a(args, spec_apply());
  auto variant = make_variant(a.require("variant"));
  const PipelineSpec& spec = find_pipeline(a.require("pipeline"));
  const Mode mode = parse_mode(a.require("mode"));
  const Layout layout = parse_layout(a.get("layout", "hwc"));
  const DType dtype = parse_dtype(a.get("dtype", "fp32"));
  const std::string out_path = a.require("out");
  std::string why;
  if (!variant->info().supports(spec.name, layout, dtype, mode, why)) throw UsageError(why);
  std::vector<Image> images;
  std::vector<ImageShape> shapes;
  for (const auto& p : split_list(a.require("images"))) {
    images.push_back(read_image_npy(p, layout));
    shapes.push_back(images.back().shape());
  }
  const Plan plan = make_plan(spec, shapes, mode);
  std::unique_ptr<ExecBackend> be = variant->info().backend == Backend::Cuda ? make_cuda_backend(why) : make_cpu_backend();
  if (!be) throw UsageError(why);
  const std::vector<float> out = execute_once(*be, *variant, plan, images, layout, dtype);
  write_float_npy(out_path, plan.out_shape, out);
  nlohmann::json side;
  side["variant"] = variant->info().name;
  side["pixel_values_shape"] = plan.out_shape;
  if (!plan.grid_thw.empty()) side["image_grid_thw"] = plan.grid_thw;
  std::printf("%s\n", side.dump().c_str());
  return 0;
}

}  // namespace pb
