#pragma once
// Small text helpers shared across the harness.
#include <cctype>
#include <string>

namespace gpuparity::harness {

// s with its ASCII letters lowercased (error lines, UUIDs); other bytes kept.
inline std::string ascii_lower(std::string s) {
  for (auto& ch : s) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  return s;
}

}  // namespace gpuparity::harness
