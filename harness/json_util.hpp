#pragma once
// Small helpers for the JSON documents the harness reads and writes.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "workload_output.hpp"

namespace gpuparity::harness {

// o[key] as text: strings as they are, numbers and other values as JSON; `fallback`
// when o is not an object, or the key is absent or null.
std::string json_text(const nlohmann::ordered_json& o, const char* key,
                      const std::string& fallback = "");

struct json_file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads and parses a JSON file; throws json_file_error naming the path and the problem.
nlohmann::ordered_json read_json_file(const std::string& path);

// A metric's name, counter, class and orientation, as every document writes them.
nlohmann::ordered_json metric_identity(const metric_value& kind);

// The reverse, from such a document's metric entry (class re-derived from the name).
metric_value metric_from_identity(const nlohmann::ordered_json& entry);

}  // namespace gpuparity::harness
