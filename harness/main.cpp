#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <vector>

#include "harness/cli_args.hpp"
#include "harness/commands.hpp"
#include "harness/signals.hpp"

namespace pb {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {
      {"list", cmd_list, spec_list},          {"run", cmd_run, spec_run},
      {"gate", cmd_gate, spec_gate},          {"ab", cmd_ab, spec_ab},
      {"merge", cmd_merge, spec_merge},
      {"reference", cmd_reference, spec_reference},
      {"workload", cmd_workload, spec_workload}, {"apply", cmd_apply, spec_apply},
      {"profile", cmd_profile, spec_profile}, {"e2e", cmd_e2e, spec_e2e},
      {"export", cmd_export, spec_export},    {"pillow-resize", cmd_pillow_resize, spec_pillow_resize}};
  return list;
}

}  // namespace pb

namespace {

std::string usage() {
  std::string out = "usage: prepbench <command> [options]    (prepbench <command> --help for its options)\n\ncommands:\n";
  for (const auto& c : pb::commands()) {
    std::string name = c.spec().name;
    name.resize(16, ' ');
    out += "  " + name + c.spec().summary + "\n";
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    std::fputs(usage().c_str(), args.empty() ? stderr : stdout);
    return args.empty() ? 2 : 0;
  }
  const std::string cmd = args[0];
  args.erase(args.begin());
  pb::install_signal_handlers_exit();
  try {
    for (const auto& c : pb::commands())
      if (cmd == c.name) return c.run(args);
    std::string valid;
    for (const auto& c : pb::commands()) valid += (valid.empty() ? "" : ", ") + std::string(c.name);
    throw pb::UsageError("unknown command '" + cmd + "' (valid: " + valid + "; prepbench --help)");
  } catch (const pb::HelpRequested& h) {
    std::fputs(h.text.c_str(), stdout);
    return 0;
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "prepbench: error: out of memory\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "prepbench: error: %s\n", e.what());
  }
  return 2;
}
