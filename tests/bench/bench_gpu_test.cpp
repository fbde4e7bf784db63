// The whole gpuparity-bench program on a GPU at small sizes: every case passes its
// verification and reports its rate counter.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

TEST(BenchGpu, EveryCasePassesAtSmallSizes) {
  const auto r = test::run_program(
      {GPUPARITY_BENCH_EXE, "--benchmark_format=json", "--stream-bytes=64MiB", "--copy-bytes=16MiB", "--d2d-bytes=16MiB",
       "--chase-bytes=256MiB", "--gemm-sizes=512,1024", "--startup-trials=2", "--peer-bytes=16MiB",
       "--nccl-bytes=1MiB"},
      {}, 300);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_FALSE(doc["context"]["gpu_uuid"].get<std::string>().empty());
  ASSERT_GE(doc["benchmarks"].size(), 28u);
  const bool one_gpu = doc["context"]["gpu_device_count"] == "1";
  for (const auto& b : doc["benchmarks"]) {
    const std::string name = b["name"];
    if (one_gpu && name.rfind("peer/", 0) == 0) {  // the one case that says it needs two
      EXPECT_EQ(b.value("error_message", "").rfind("not_supported: peer copies need 2 visible GPUs", 0), 0u)
          << name << ": " << b.value("error_message", "");
      continue;
    }
    EXPECT_FALSE(b.value("error_occurred", false)) << name << ": " << b.value("error_message", "");
    const bool has_metric = b.contains("bytes_per_second") || b.contains("flop_per_second") ||
                            b.contains("latency_seconds") || b.contains("seconds");
    EXPECT_TRUE(has_metric) << name;
    for (const char* m : {"bytes_per_second", "flop_per_second", "latency_seconds", "seconds"})
      if (b.contains(m)) {
        EXPECT_GT(b[m].get<double>(), 0.0) << name << " " << m;
      }
  }
}

TEST(BenchGpu, ImpossibleSizeFailsCleanly) {
  const auto r = test::run_program({GPUPARITY_BENCH_EXE, "--benchmark_format=json",
                                    "--benchmark_filter=stream/copy", "--stream-bytes=64TiB"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  const std::string msg = doc["benchmarks"][0]["error_message"];
  EXPECT_EQ(msg.rfind("failed: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("--stream-bytes"), std::string::npos) << msg;
}

}  // namespace
}  // namespace gpuparity
