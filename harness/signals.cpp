#include "harness/signals.hpp"

#include <unistd.h>

#include <csignal>

#include "workloads/files.hpp"

namespace pb {

namespace {

std::atomic<bool> g_stop{false};
std::atomic<int> g_signal{0};

extern "C" void on_signal_exit(int sig) {
  temp_files_unlink_all();
  _exit(128 + sig);
}

extern "C" void on_signal_poll(int sig) {
  g_signal.store(sig);
  g_stop.store(true);
}

void install(void (*handler)(int)) {
  struct sigaction sa {};
  sa.sa_handler = handler;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace

void install_signal_handlers_exit() { install(on_signal_exit); }
void install_signal_handlers_poll() { install(on_signal_poll); }
bool stop_requested() { return g_stop.load(); }
const std::atomic<bool>& stop_flag() { return g_stop; }
int stop_exit_status() { return 128 + (g_signal.load() ? g_signal.load() : SIGINT); }

}  // namespace pb
