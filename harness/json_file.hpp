#pragma once
// Every JSON file the program reads (results, sweeps, manifests) goes through here: a regular file of bounded size,
// nesting bounded (a document of 100,000 nested '[' would overflow the stack of any recursive reader or writer),
// and messages that quote no untrusted value whole.
#include <string>

#include <nlohmann/json.hpp>

namespace pb {

constexpr int kMaxJsonDepth = 64;

// UsageError naming `what` and the problem when the file is unreadable, too large, too deep or not JSON.
nlohmann::json read_json_file(const std::string& path, const std::string& what);

// At most `max` characters of a value's JSON text, for a message.
std::string json_excerpt(const nlohmann::json& v, size_t max = 60);

}  // namespace pb
