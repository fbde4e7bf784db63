#pragma once
// Test helper: an empty folder of its own under the test's temporary directory, named by a
// tag and this process (ctest runs tests as separate processes, so names never collide).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace gpuparity::test {

inline std::string fresh_dir(const std::string& tag) {
  const std::string d = ::testing::TempDir() + "gpuparity_" + tag + "_" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace gpuparity::test
