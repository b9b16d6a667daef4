#include <gtest/gtest.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_runner.hpp"
#include "harness/exec_backend.hpp"
#include "workloads/npy.hpp"
#include "workloads/workload.hpp"

using namespace pb;
using namespace pbtest;
namespace fs = std::filesystem;

namespace {

std::string photo(const std::string& name, int h, int w, Layout l = Layout::HWC) {
  const std::string p = tmp_dir() + "/" + name;
  write_image_npy(p, generate_image(h, w, 42, 0, l));
  return p;
}

void expect_bad_input(const std::string& args, const std::string& must_mention, const std::string& out_path = "") {
  const CliResult r = run_cli(args);
  EXPECT_EQ(r.status, 2) << args << "\nstderr: " << r.err;
  EXPECT_EQ(r.err_lines(), 1) << args << "\nstderr: " << r.err;
  EXPECT_NE(r.err.find(must_mention), std::string::npos) << args << "\nstderr: " << r.err;
  if (!out_path.empty()) {
    EXPECT_FALSE(fs::exists(out_path)) << out_path;
    for (const auto& e : fs::directory_iterator(fs::path(out_path).parent_path()))
      EXPECT_EQ(e.path().string().find(fs::path(out_path).filename().string() + ".tmp"), std::string::npos);
  }
}

}  // namespace

TEST(Cli, ListShowsPipelinesAndWorkloads) {
  const CliResult r = run_cli("list");
  EXPECT_EQ(r.status, 0);
  for (const char* name : {"siglip-so400m-384", "clip-vit-b32", "dinov2-small", "qwen2.5-vl-7b", "ragged-n32-384-1024"})
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

TEST(Cli, ReferenceWritesHfShapedOutput) {
  const std::string img = photo("ref_in.npy", 480, 640);
  const std::string out = tmp_dir() + "/ref_out.npy";
  CliResult r = run_cli("reference --pipeline clip-vit-b32 --mode hf --image " + img + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_npy(out).shape, (std::vector<size_t>{1, 3, 224, 224}));

  r = run_cli("reference --pipeline qwen2.5-vl-7b --mode float --image " + img + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_npy(out).shape, (std::vector<size_t>{34 * 46, 1176}));
  // side outputs: one JSON object on the last line of stdout
  const std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  const auto j = nlohmann::json::parse(last);
  EXPECT_EQ(j["image_grid_thw"], nlohmann::json::parse("[[1, 34, 46]]"));
}

TEST(Cli, ReferenceLayoutsAgree) {
  const std::string hwc = photo("lay_hwc.npy", 123, 77, Layout::HWC);
  const std::string chw = photo("lay_chw.npy", 123, 77, Layout::CHW);
  const std::string o1 = tmp_dir() + "/lay1.npy", o2 = tmp_dir() + "/lay2.npy";
  ASSERT_EQ(run_cli("reference --pipeline siglip-so400m-384 --mode hf --image " + hwc + " --out " + o1).status, 0);
  ASSERT_EQ(run_cli("reference --pipeline siglip-so400m-384 --mode hf --image " + chw + " --layout chw --out " + o2).status, 0);
  EXPECT_EQ(read_npy(o1).data, read_npy(o2).data);
}

TEST(Cli, BadInputIsOneLineAndExit2WithNothingWritten) {
  const std::string img = photo("bad_in.npy", 64, 64);
  const std::string wide = photo("wide.npy", 4, 900);
  const std::string d = tmp_dir();
  const std::string out = d + "/bad_out.npy";
  fs::remove(out);
  {
    std::ofstream(d + "/garbled.npy") << "\x93NUMPY garbage";
  }
  const std::string ok = " --image " + img + " --out " + out;
  expect_bad_input("frobnicate", "unknown command");
  expect_bad_input("reference --pipeline nope --mode hf" + ok, "unknown pipeline", out);
  expect_bad_input("reference --pipeline clip-vit-b32 --mode fast" + ok, "unknown mode", out);
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --layout nhwc" + ok, "unknown layout", out);
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --image " + d + "/missing.npy --out " + out, "cannot open", out);
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --image " + d + "/garbled.npy --out " + out, "garbled.npy", out);
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --image " + img + " --layout chw --out " + out, "channels", out);
  expect_bad_input("reference --pipeline qwen2.5-vl-7b --mode hf --image " + wide + " --out " + out, "aspect ratio", out);
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --image " + img + " --out " + d + "/nodir/x.npy", "cannot open for writing");
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --image " + img, "--out");
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --bogus 1" + ok, "unknown option", out);
  expect_bad_input("workload dump --workload ragged-n0-1-2 --out " + d + "/wl_bad", "image count");
  expect_bad_input("workload dump --workload sideways-n2-3 --out " + d + "/wl_bad", "bad workload name");
  expect_bad_input("workload dump --workload uniform-n2-8 --seed -3 --out " + d + "/wl_bad", "--seed");
  expect_bad_input("workload list", "usage");
  expect_bad_input("e2e --variants cuda_separable_mma --workloads uniform-n2-64", "--pipelines");
  expect_bad_input("e2e --variants cuda_separable_mma --pipelines siglip-so400m-384 --workloads uniform-n2-64 "
                   "--groups 0 --out " + d + "/e2e.json", "--groups", d + "/e2e.json");
}

// Without a GPU (or without CUDA in the build), the commands that need one say so in one line, exit 2 and write
// nothing; on a GPU machine the CUDA suite covers them.
TEST(Cli, GpuCommandsWithoutGpuSaySoOnceAndExit2) {
  std::string why;
  if (pb::make_cuda_backend(why)) GTEST_SKIP() << "a CUDA device is present; CudaVariants.EndToEndFromPinnedHost covers e2e";
  const std::string out = tmp_dir() + "/e2e_nogpu.json";
  fs::remove(out);
  const std::string cases = " --variants cuda_separable_mma --pipelines siglip-so400m-384 --workloads uniform-n2-64";
  for (const std::string& cmd : {"e2e" + cases + " --out " + out, "profile" + cases}) {
    const CliResult r = run_cli(cmd);
    EXPECT_EQ(r.status, 2) << cmd;
    EXPECT_EQ(r.err_lines(), 1) << r.err;
    EXPECT_NE(r.err.find("needs a GPU: "), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("driver version is insufficient"), std::string::npos) << "not a driver problem: " << r.err;
  }
  EXPECT_FALSE(fs::exists(out));
}

// Every command answers --help and -h with its usage and every option on stdout, exit 0; the unknown-command
// message names every command.
TEST(Cli, EveryCommandHasHelp) {
  const CliResult top = run_cli("--help");
  ASSERT_EQ(top.status, 0);
  const std::vector<std::string> commands = {"list",  "run",     "gate", "reference",    "workload dump",
                                             "apply", "profile", "e2e",  "export", "pillow-resize"};
  const CliResult unknown = run_cli("frobnicate");
  for (const auto& c : commands) {
    EXPECT_NE(top.out.find("  " + c + " "), std::string::npos) << c << " missing from prepbench --help";
    EXPECT_NE(unknown.err.find(c.substr(0, c.find(' '))), std::string::npos) << c << " missing from " << unknown.err;
    for (const char* flag : {" --help", " -h"}) {
      const CliResult r = run_cli(c + flag);
      EXPECT_EQ(r.status, 0) << c << flag << "\n" << r.err;
      EXPECT_TRUE(r.err.empty()) << c << flag << ": " << r.err;
      EXPECT_EQ(r.out.rfind("usage: prepbench " + c, 0), 0u) << c << flag << ": " << r.out;
    }
  }
  // options with their defaults, one line each; where run writes without --out
  const CliResult run = run_cli("run --help");
  for (const char* line : {"--variants GLOB,...", "(default 30;", "--out FILE.json", "prepbench_results.json",
                           "--help, -h"})
    EXPECT_NE(run.out.find(line), std::string::npos) << line << "\n" << run.out;
  // --help wins over a bad option, and a bad option names the command's --help
  EXPECT_EQ(run_cli("run --bogus --help").status, 0);
  const CliResult bad = run_cli("gate --bogus 1");
  EXPECT_EQ(bad.status, 2);
  EXPECT_NE(bad.err.find("for prepbench gate (valid: --baseline"), std::string::npos) << bad.err;
}

TEST(Cli, WorkloadDumpWritesImagesAndManifest) {
  const std::string dir = tmp_dir() + "/wl";
  fs::remove_all(dir);
  const CliResult r = run_cli("workload dump --workload ragged-n3-20-40 --out " + dir);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto m = nlohmann::json::parse(slurp(dir + "/manifest.json"));
  ASSERT_EQ(m["images"].size(), 3u);
  const auto shapes = workload_shapes(parse_workload("ragged-n3-20-40"));
  for (size_t i = 0; i < 3; ++i) {
    const Image img = read_image_npy(dir + "/" + m["images"][i]["file"].get<std::string>(), Layout::HWC);
    EXPECT_EQ(img.h, shapes[i].h);
    EXPECT_EQ(img.w, shapes[i].w);
    EXPECT_EQ(img.pixels, generate_image(shapes[i].h, shapes[i].w, kDefaultSeed, int(i), Layout::HWC).pixels);
  }
}

TEST(Cli, ReferenceOverADumpedWorkloadStacksTheBatch) {
  const std::string dir = tmp_dir() + "/wl_ref";
  fs::remove_all(dir);
  ASSERT_EQ(run_cli("workload dump --workload ragged-n3-30-90 --out " + dir).status, 0);
  const std::string out = tmp_dir() + "/wl_ref.npy";
  CliResult r = run_cli("reference --pipeline clip-vit-b32 --mode hf --workload-dir " + dir + " --out " + out);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_npy(out).shape, (std::vector<size_t>{3, 3, 224, 224}));
  // the second image's slot equals the single-image reference of that file
  const std::string one = tmp_dir() + "/wl_ref_one.npy";
  ASSERT_EQ(run_cli("reference --pipeline clip-vit-b32 --mode hf --image " + dir + "/img_0001.npy --out " + one).status, 0);
  const NpyArray batch = read_npy(out), single = read_npy(one);
  ASSERT_EQ(single.data.size(), batch.data.size() / 3);
  EXPECT_TRUE(std::equal(single.data.begin(), single.data.end(), batch.data.begin() + long(single.data.size())));
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --workload-dir " + tmp_dir() + " --out " + out, "manifest.json");
  expect_bad_input("reference --pipeline clip-vit-b32 --mode hf --out " + out, "exactly one of");
}
