#pragma once
// The harnesses read files, as the program does: each input is written to one temporary file per process.
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace pb::fuzz {

// Writes the input to /tmp/prepbench-fuzz-<name>-<pid><ext> and returns that path ("" when it cannot be written).
inline std::string write_input(const char* name, const char* ext, const uint8_t* data, size_t size) {
  const std::string path = "/tmp/prepbench-fuzz-" + std::string(name) + "-" + std::to_string(getpid()) + ext;
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return "";
  std::fwrite(data, 1, size, f);
  std::fclose(f);
  return path;
}

}  // namespace pb::fuzz
