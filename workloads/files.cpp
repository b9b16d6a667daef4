#include "workloads/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace pb {

namespace {

// Temporaries in flight, for a signal handler: fixed buffers, no allocation, published with an atomic flag.
constexpr int kSlots = 8;
constexpr size_t kPathMax = 4096;
char g_tmp_paths[kSlots][kPathMax];
std::atomic<bool> g_tmp_used[kSlots];

int register_temp(const std::string& p) {
  if (p.size() >= kPathMax) return -1;
  for (int i = 0; i < kSlots; ++i) {
    bool expected = false;
    if (g_tmp_used[i].load() || !g_tmp_used[i].compare_exchange_strong(expected, true)) continue;
    std::memcpy(g_tmp_paths[i], p.c_str(), p.size() + 1);
    return i;
  }
  return -1;
}

void unregister_temp(int slot) {
  if (slot >= 0) g_tmp_used[slot].store(false);
}

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    const ssize_t w = ::write(fd, c, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    c += w;
    n -= size_t(w);
  }
  return true;
}

}  // namespace

void temp_files_unlink_all() {
  for (int i = 0; i < kSlots; ++i)
    if (g_tmp_used[i].load()) ::unlink(g_tmp_paths[i]);
}

size_t check_regular_input(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw FileError(path + ": cannot open for reading (" + errno_text() + ")");
  if (S_ISDIR(st.st_mode)) throw FileError(path + ": is a directory, not a file");
  if (!S_ISREG(st.st_mode)) throw FileError(path + ": not a regular file (a FIFO, socket or device is not input)");
  if (::access(path.c_str(), R_OK) != 0) throw FileError(path + ": cannot open for reading (" + errno_text() + ")");
  return size_t(st.st_size);
}

void check_writable_output(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw FileError("cannot write results to '" + path + "': it is a directory");
    if (!S_ISREG(st.st_mode)) {  // a device or FIFO: written through, so it must be writable itself
      if (::access(path.c_str(), W_OK) != 0) throw FileError("cannot write results to '" + path + "': " + errno_text());
      return;
    }
  }
  std::error_code ec;
  std::filesystem::path target = std::filesystem::weakly_canonical(path, ec);
  if (ec) target = path;
  std::filesystem::path dir = target.parent_path();
  if (dir.empty()) dir = ".";
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw FileError("cannot write results to '" + path + "': folder '" + dir.string() + "' does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    throw FileError("cannot write results to '" + path + "': folder '" + dir.string() + "' is not writable");
}

void write_file_safely(const std::string& path, const void* head, size_t head_bytes, const void* data, size_t bytes) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw FileError(path + ": cannot open for writing: it is a directory");
    if (!S_ISREG(st.st_mode)) {  // write through; never replace a device or a FIFO with a regular file
      const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND);
      if (fd < 0) throw FileError(path + ": cannot open for writing (" + errno_text() + ")");
      bool ok = write_all(fd, head, head_bytes) && write_all(fd, data, bytes);
      const std::string why = ok ? "" : errno_text();
      ok = (::close(fd) == 0) && ok;
      if (!ok) throw FileError(path + ": write failed (" + (why.empty() ? errno_text() : why) + ")");
      return;
    }
  }
  // A symlink stays a link: the temporary goes next to its target, and the rename replaces the target.
  std::error_code ec;
  std::filesystem::path target = std::filesystem::weakly_canonical(path, ec);
  if (ec) target = path;
  const std::string tmp = target.string() + ".tmp-" + std::to_string(::getpid());
  const int slot = register_temp(tmp);
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    unregister_temp(slot);
    throw FileError(path + ": cannot open for writing (" + errno_text() + ")");
  }
  bool ok = write_all(fd, head, head_bytes) && write_all(fd, data, bytes);
  std::string why = ok ? "" : errno_text();
  if (ok && ::fsync(fd) != 0 && errno != EINVAL) {
    ok = false;
    why = errno_text();
  }
  if (::close(fd) != 0 && ok) {
    ok = false;
    why = errno_text();
  }
  if (ok && std::rename(tmp.c_str(), target.c_str()) != 0) {
    ok = false;
    why = errno_text();
  }
  if (!ok) ::unlink(tmp.c_str());
  unregister_temp(slot);
  if (!ok) throw FileError(path + ": write failed (" + why + ")");
}

}  // namespace pb
