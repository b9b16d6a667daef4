#pragma once
#include <string>
#include <vector>

#include "harness/cli_args.hpp"

namespace pb {

// Each returns the process exit status; bad input is thrown (UsageError, std::invalid_argument, NpyError) and
// turned into one stderr line + exit 2 by main. Each spec_* is the command's options and help.
int cmd_list(const std::vector<std::string>& args);
int cmd_reference(const std::vector<std::string>& args);
int cmd_workload(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_apply(const std::vector<std::string>& args);
int cmd_gate(const std::vector<std::string>& args);
int cmd_profile(const std::vector<std::string>& args);
int cmd_e2e(const std::vector<std::string>& args);
int cmd_pillow_resize(const std::vector<std::string>& args);
int cmd_export(const std::vector<std::string>& args);
int cmd_ab(const std::vector<std::string>& args);
int cmd_merge(const std::vector<std::string>& args);
const CommandSpec& spec_list();
const CommandSpec& spec_reference();
const CommandSpec& spec_workload();
const CommandSpec& spec_run();
const CommandSpec& spec_apply();
const CommandSpec& spec_gate();
const CommandSpec& spec_profile();
const CommandSpec& spec_e2e();
const CommandSpec& spec_pillow_resize();
const CommandSpec& spec_export();
const CommandSpec& spec_ab();
const CommandSpec& spec_merge();

struct Command {
  const char* name;
  int (*run)(const std::vector<std::string>& args);
  const CommandSpec& (*spec)();
};
// Every command, in the order `prepbench --help` lists them.
const std::vector<Command>& commands();

}  // namespace pb
