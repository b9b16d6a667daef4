#include <cstdio>

#include <nlohmann/json.hpp>

#include "core/plan.hpp"
#include "core/reference.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "workloads/npy.hpp"

namespace pb {

int cmd_reference(const std::vector<std::string>& args) {
  Args a(args, {"pipeline", "mode", "image", "layout", "out"}, {});
  const PipelineSpec& spec = find_pipeline(a.require("pipeline"));
  const Mode mode = parse_mode(a.require("mode"));
  const Layout layout = parse_layout(a.get("layout", "hwc"));
  const std::string out_path = a.require("out");
  const Image img = read_image_npy(a.require("image"), layout);
  const Plan plan = make_plan(spec, {img.shape()}, mode);
  const std::vector<float> out = run_reference(plan, {img.view()});
  write_float_npy(out_path, plan.out_shape, out);

  nlohmann::json side;
  side["pipeline"] = spec.name;
  side["mode"] = mode_name(mode);
  side["pixel_values_shape"] = plan.out_shape;
  if (!plan.grid_thw.empty()) side["image_grid_thw"] = plan.grid_thw;
  std::printf("%s\n", side.dump().c_str());
  return 0;
}

}  // namespace pb
