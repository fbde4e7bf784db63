// Parsing real workload outputs captured on an H100 and on a machine without a GPU.
#include "workload_output.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace gpuparity::harness {
namespace {

std::string data(const std::string& name) {
  std::ifstream f(std::string(GPUPARITY_TEST_DATA) + "/" + name);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(CaseName, DropsGoogleBenchmarkSuffixes) {
  EXPECT_EQ(case_name_of("stream/copy/iterations:10/manual_time"), "stream/copy");
  EXPECT_EQ(case_name_of("gemm/cublaslt/bf16/8192/iterations:10/manual_time"),
            "gemm/cublaslt/bf16/8192");
  EXPECT_EQ(case_name_of("startup/first_kernel/iterations:5/manual_time"), "startup/first_kernel");
  EXPECT_EQ(case_name_of("plain"), "plain");
}

TEST(WorkloadOutput, ReadsEveryMetricOfAnH100Run) {
  const auto w = parse_workload_output(data("h100-gpuparity-bench.json"));
  ASSERT_TRUE(w.parsed) << w.parse_error;
  EXPECT_TRUE(w.failures.empty());
  ASSERT_EQ(w.metrics.size(), 28u);
  std::set<std::string> names;
  for (const auto& m : w.metrics) {
    names.insert(m.name);
    EXPECT_GT(m.value, 0.0) << m.name;
  }
  EXPECT_TRUE(names.count("stream/copy:bytes_per_second"));
  EXPECT_TRUE(names.count("gemm/cublaslt/bf16/8192:flop_per_second"));
  EXPECT_TRUE(names.count("latency/launch:latency_seconds"));
  EXPECT_TRUE(names.count("startup/first_kernel:seconds"));
  for (const auto& m : w.metrics) {
    if (m.counter == "latency_seconds" || m.counter == "seconds") {
      EXPECT_FALSE(m.higher_is_better) << m.name;
      EXPECT_EQ(m.cls, metric_class::latency);
    } else {
      EXPECT_TRUE(m.higher_is_better) << m.name;
    }
  }
  EXPECT_EQ(w.context.at("gpu_name"), "NVIDIA H100 80GB HBM3");
}

TEST(WorkloadOutput, TransformerCountsOnceAsCompute) {
  const auto w = parse_workload_output(data("h100-gpuparity-torch.json"));
  ASSERT_TRUE(w.parsed);
  int transformer = 0;
  for (const auto& m : w.metrics)
    if (m.name.rfind("torch/transformer_block/bf16:", 0) == 0) {
      ++transformer;
      EXPECT_EQ(m.counter, "flop_per_second");
    }
  EXPECT_EQ(transformer, 1);
}

TEST(WorkloadOutput, NoGpuRunBecomesFailuresNotMetrics) {
  const auto w = parse_workload_output(data("nogpu-gpuparity-bench.json"));
  ASSERT_TRUE(w.parsed);
  EXPECT_TRUE(w.metrics.empty());
  ASSERT_EQ(w.failures.size(), 2u);
  for (const auto& f : w.failures) EXPECT_EQ(f.status, "no_device") << f.message;
  EXPECT_NE(w.context.at("gpuparity_error").find("no usable CUDA GPU"), std::string::npos);
}

TEST(WorkloadOutput, RejectsWhatIsNotAReport) {
  EXPECT_FALSE(parse_workload_output("").parsed);
  EXPECT_FALSE(parse_workload_output("Segmentation fault").parsed);
  EXPECT_FALSE(parse_workload_output("{\"context\": {}}").parsed);
  const auto w = parse_workload_output(
      R"({"benchmarks": [{"run_name": "x/iterations:1", "run_type": "iteration", "bytes_per_second": -1}]})");
  ASSERT_TRUE(w.parsed);
  EXPECT_TRUE(w.metrics.empty());
  ASSERT_EQ(w.failures.size(), 1u);  // a non-positive rate is an error, never a number
}

TEST(WorkloadOutput, AggregatesAreIgnored) {
  const auto w = parse_workload_output(R"({"benchmarks": [
    {"run_name": "a/iterations:1", "run_type": "iteration", "latency_seconds": 1e-5},
    {"run_name": "a/iterations:1", "run_type": "aggregate", "aggregate_name": "mean", "latency_seconds": 2e-5}]})");
  ASSERT_EQ(w.metrics.size(), 1u);
  EXPECT_EQ(w.metrics[0].value, 1e-5);
}

}  // namespace
}  // namespace gpuparity::harness
