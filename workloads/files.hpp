#pragma once
// Reading and writing files so that hostile or odd paths cannot hang the program or destroy what they point at.
#include <cstddef>
#include <stdexcept>
#include <string>

namespace pb {

// A file that cannot be read or written as asked: one line for the user, exit status 2.
struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Throws FileError unless `path` is a regular file that can be opened for reading: a FIFO would block forever,
// a directory or device is not input. Returns the file's size.
size_t check_regular_input(const std::string& path);

// Writes `head` then `data` to `path` so that a failed or interrupted write leaves nothing and destroys nothing:
// - a regular file (or none): a temporary next to it (next to the symlink's target for a symlink, which stays a
//   link), renamed over it when complete;
// - an existing non-regular target (a device such as /dev/full or /dev/stdout, a FIFO): written through, never
//   replaced; a write error is reported;
// - a directory: refused.
// The temporary is registered for signal cleanup (temp_files_unlink_all) while it exists.
void write_file_safely(const std::string& path, const void* head, size_t head_bytes, const void* data, size_t bytes);

// Throws FileError unless a results file can be written at `path` (checked before any work is done): not a
// directory, and its folder exists and is writable (or the path is an existing writable non-regular file).
void check_writable_output(const std::string& path);

// Async-signal-safe: unlinks every temporary file write_file_safely has in flight (for a signal handler).
void temp_files_unlink_all();

}  // namespace pb
