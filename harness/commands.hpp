#pragma once
#include <string>
#include <vector>

namespace pb {

// Each returns the process exit status; bad input is thrown (UsageError, std::invalid_argument, NpyError) and
// turned into one stderr line + exit 2 by main.
int cmd_list(const std::vector<std::string>& args);
int cmd_reference(const std::vector<std::string>& args);
int cmd_workload(const std::vector<std::string>& args);
int cmd_run(const std::vector<std::string>& args);
int cmd_apply(const std::vector<std::string>& args);
int cmd_gate(const std::vector<std::string>& args);
int cmd_profile(const std::vector<std::string>& args);
int cmd_e2e(const std::vector<std::string>& args);
int cmd_pillow_resize(const std::vector<std::string>& args);

}  // namespace pb
