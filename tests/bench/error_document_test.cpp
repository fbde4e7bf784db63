#include "error_document.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace gpuparity {
namespace {

TEST(ErrorDocument, IsValidJsonWithReasonAndEmptyBenchmarks) {
  const auto doc = nlohmann::json::parse(
      error_document({{"gpu_name", "X \"quoted\""}}, "bad \\ thing\nhere", 2));
  EXPECT_EQ(doc["context"]["gpu_name"], "X \"quoted\"");
  EXPECT_EQ(doc["context"]["gpuparity_error"], "bad \\ thing\nhere");
  EXPECT_EQ(doc["context"]["gpuparity_exit_code"], "2");
  EXPECT_TRUE(doc["benchmarks"].is_array());
  EXPECT_TRUE(doc["benchmarks"].empty());
}

// The context comes from the environment, which need not be UTF-8: replaced, not thrown.
TEST(ErrorDocument, InvalidUtf8InTheContextIsReplaced) {
  std::string text;
  ASSERT_NO_THROW(text = error_document({{"env_LANG", "caf\xc3"}}, "bad \xff", 2));
  const auto doc = nlohmann::json::parse(text);
  EXPECT_EQ(doc["context"]["env_LANG"], "caf\xef\xbf\xbd");
}

TEST(ScanOutputFlags, ReadsWithoutConsuming) {
  const char* args[] = {"prog", "--benchmark_out=/tmp/x.json", "--benchmark_format=json",
                        "--benchmark_list_tests=true", "--other"};
  const auto f = scan_output_flags(5, const_cast<char**>(args));
  EXPECT_EQ(f.out_path, "/tmp/x.json");
  EXPECT_EQ(f.format, "json");
  EXPECT_TRUE(f.list_tests);
  const char* none[] = {"prog"};
  const auto d = scan_output_flags(1, const_cast<char**>(none));
  EXPECT_TRUE(d.out_path.empty());
  EXPECT_EQ(d.format, "console");
  EXPECT_FALSE(d.list_tests);
}

TEST(WriteFileAtomically, WritesWholeFileAndLeavesNoTemporary) {
  const std::string path = ::testing::TempDir() + "gpuparity_atomic_" + std::to_string(getpid());
  ASSERT_TRUE(write_file_atomically(path, "first"));
  ASSERT_TRUE(write_file_atomically(path, "second"));
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  EXPECT_EQ(s.str(), "second");
  EXPECT_NE(access((path + ".tmp." + std::to_string(getpid())).c_str(), F_OK), 0);
  std::remove(path.c_str());
}

TEST(WriteFileAtomically, FailsOnUnwritableDirectory) {
  EXPECT_FALSE(write_file_atomically("/nonexistent-dir-gpuparity/x.json", "x"));
}

}  // namespace
}  // namespace gpuparity
