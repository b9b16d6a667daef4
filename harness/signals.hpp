#pragma once
// SIGINT and SIGTERM. Every command starts with them installed to exit at once (status 128 + signal), unlinking any
// temporary file a write has in flight (workloads/files.hpp), so no *.tmp-PID is left behind. Commands that loop
// over cases or files switch to polling: the handler only records the signal, the loop checks stop_requested()
// between steps, cleans up what it made, and exits with stop_exit_status().
#include <atomic>

namespace pb {

void install_signal_handlers_exit();
void install_signal_handlers_poll();
bool stop_requested();
const std::atomic<bool>& stop_flag();
int stop_exit_status();  // 130 after SIGINT, 143 after SIGTERM

}  // namespace pb
