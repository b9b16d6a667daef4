#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "core/plan.hpp"
#include "core/reference.hpp"
#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/json_file.hpp"
#include "workloads/image_file.hpp"
#include "workloads/npy.hpp"

namespace pb {

const CommandSpec& spec_reference() {
  static const CommandSpec spec{
      "reference", "--pipeline P --mode M (--image IN.npy|.jpg|.png | --workload-dir DIR) --out OUT.npy",
      "float64 reference pixel_values of one image or a dumped workload (.npy, shaped as HF returns them)",
      {{"pipeline", "P", "pipeline (required; `prepbench list`)"},
       {"mode", "M", "numerics: float, hf or pil (required)"},
       {"image", "IN.npy|IN.jpg|IN.png", "one image: a uint8 .npy (HxWx3, or 3xHxW with --layout chw), or a JPEG / PNG file decoded as Pillow decodes it"},
       {"workload-dir", "DIR", "a folder written by `prepbench workload dump`: the whole batch"},
       {"layout", "L", "layout of the input arrays: hwc or chw (default hwc)"},
       {"out", "OUT.npy", "where pixel_values go (required)"}},
      "Side outputs (pixel_values_shape, image_grid_thw, num_patches, image_sizes) are one JSON line on stdout."};
  return spec;
}

int cmd_reference(const std::vector<std::string>& args) {
  Args a(args, spec_reference());
  const PipelineSpec& spec = find_pipeline(a.require("pipeline"));
  const Mode mode = parse_mode(a.require("mode"));
  const Layout layout = parse_layout(a.get("layout", "hwc"));
  const std::string out_path = a.require("out");
  if (a.has("image") == a.has("workload-dir")) throw UsageError("give exactly one of --image FILE.npy or --workload-dir DIR");
  std::vector<Image> images;
  if (a.has("image")) {
    images.push_back(read_image(a.require("image"), layout));
  } else {  // a folder written by `prepbench workload dump`: the whole batch, in manifest order
    const std::string dir = a.require("workload-dir");
    if (access((dir + "/manifest.json").c_str(), F_OK) != 0)
      throw UsageError("cannot read " + dir + "/manifest.json (make the folder with prepbench workload dump)");
    const nlohmann::json m = read_json_file(dir + "/manifest.json", "workload manifest");
    try {
      for (const auto& im : m.at("images")) images.push_back(read_image_npy(dir + "/" + im.at("file").get<std::string>(), layout));
    } catch (const nlohmann::json::exception& e) {
      throw UsageError(dir + "/manifest.json is not a workload manifest: " + e.what());
    }
  }
  std::vector<ImageShape> shapes;
  std::vector<ImageView> views;
  for (const auto& im : images) {
    shapes.push_back(im.shape());
    views.push_back(im.view());
  }
  const Plan plan = make_plan(spec, shapes, mode);
  const std::vector<float> out = run_reference(plan, views);
  write_float_npy(out_path, plan.out_shape, out);

  nlohmann::json side;
  side["pipeline"] = spec.name;
  side["mode"] = mode_name(mode);
  side["pixel_values_shape"] = plan.out_shape;
  if (!plan.grid_thw.empty()) side["image_grid_thw"] = plan.grid_thw;
  if (!plan.num_patches.empty()) side["num_patches"] = plan.num_patches;
  if (!plan.image_sizes.empty()) side["image_sizes"] = plan.image_sizes;
  std::printf("%s\n", side.dump().c_str());
  return 0;
}

}  // namespace pb
