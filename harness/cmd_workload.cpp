#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/signals.hpp"
#include "workloads/npy.hpp"
#include "workloads/workload.hpp"

namespace pb {

const CommandSpec& spec_workload() {
  static const CommandSpec spec{
      "workload dump", "--workload W --out DIR [--layout hwc|chw] [--seed S]",
      "write a workload's images as uint8 .npy files plus manifest.json",
      {{"workload", "W", "workload name, <kind>-n<N>-<lo>[-<hi>] (required; `prepbench list` shows examples)"},
       {"out", "DIR", "folder to write (required; created if missing)"},
       {"layout", "L", "hwc or chw (default hwc)"},
       {"seed", "S", "generator seed (default " + std::to_string(kDefaultSeed) + ", the one every run uses)"}},
      ""};
  return spec;
}

int cmd_workload(const std::vector<std::string>& args) {
  if (!args.empty() && (args[0] == "--help" || args[0] == "-h")) throw HelpRequested{help_text(spec_workload())};
  if (args.empty() || args[0] != "dump")
    throw UsageError("usage: prepbench workload dump --workload W --out DIR (prepbench workload dump --help)");
  Args a(std::vector<std::string>(args.begin() + 1, args.end()), spec_workload());
  const std::string seed_s = a.get("seed", std::to_string(kDefaultSeed));
  const bool digits = !seed_s.empty() && seed_s.size() <= 19 && seed_s.find_first_not_of("0123456789") == std::string::npos;
  if (!digits) throw UsageError("--seed must be a non-negative integer below 10^19, got '" + seed_s + "'");
  const unsigned long long seed = std::strtoull(seed_s.c_str(), nullptr, 10);
  const WorkloadSpec w = parse_workload(a.require("workload"), seed);
  const Layout layout = parse_layout(a.get("layout", "hwc"));
  const std::vector<ImageShape> shapes = workload_shapes(w);  // before any output: files are decoded here
  const std::filesystem::path dir = a.require("out");
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  if (existed && !std::filesystem::is_directory(dir, ec))
    throw UsageError("cannot write the workload to '" + dir.string() + "': it exists and is not a directory");
  std::filesystem::create_directories(dir, ec);
  if (ec || !std::filesystem::is_directory(dir)) throw UsageError("cannot create output directory '" + dir.string() + "'");

  // A dump that fails (a full disk) or is interrupted leaves nothing: the files it wrote go, and the folder too
  // when it made it.
  install_signal_handlers_poll();
  std::vector<std::filesystem::path> written;
  auto undo = [&] {
    for (const auto& p : written) std::filesystem::remove(p, ec);
    std::filesystem::remove(dir / "manifest.json", ec);
    if (!existed) std::filesystem::remove(dir, ec);
  };
  nlohmann::json manifest;
  manifest["workload"] = w.name;
  manifest["seed"] = w.seed;
  manifest["layout"] = layout_name(layout);
  manifest["dtype"] = "uint8";
  manifest["images"] = nlohmann::json::array();
  try {
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (stop_requested()) {
        undo();
        std::fprintf(stderr, "prepbench: interrupted: the partial dump was removed\n");
        return stop_exit_status();
      }
      const Image img = workload_image(w, i, layout);
      char name[32];
      std::snprintf(name, sizeof name, "img_%04zu.npy", i);
      write_image_npy((dir / name).string(), img);
      written.push_back(dir / name);
      manifest["images"].push_back({{"file", name}, {"h", img.h}, {"w", img.w}});
    }
    // The manifest goes last: its presence says the dump is complete.
    write_text_atomic((dir / "manifest.json").string(), manifest.dump(2) + "\n");
  } catch (...) {
    undo();
    throw;
  }
  std::printf("wrote %zu images of %s (%s, seed %llu) to %s\n", shapes.size(), w.name.c_str(), layout_name(layout),
              (unsigned long long)w.seed, dir.string().c_str());
  return 0;
}

}  // namespace pb
