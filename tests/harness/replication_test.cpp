// Host latency and startup are sampled per process: after the warm-up they run in their own
// invocation, fanned out over --processes-per-trial fresh processes, each one sample; every
// other case stays one sample per trial. The workload is tests/data/fake_bench.py, which
// honours --benchmark_filter and --processes as gpuparity-bench does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;

std::vector<nlohmann::json> argv_lines(const std::string& log) {
  std::vector<nlohmann::json> lines;
  std::ifstream f(log);
  for (std::string line; std::getline(f, line);) lines.push_back(nlohmann::json::parse(line));
  std::remove(log.c_str());
  return lines;
}

bool has(const nlohmann::json& argv, const std::string& a) {
  for (const auto& x : argv)
    if (x == a) return true;
  return false;
}

TEST(Replication, HostLatencyAndStartupAreSampledPerProcess) {
  const std::string tag = std::to_string(getpid());
  const std::string out = ::testing::TempDir() + "replication-" + tag + ".json";
  const std::string log = ::testing::TempDir() + "replication-" + tag + ".log";
  const auto r = run_program(
      {GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
       std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs", "bench", "--min-trials",
       "5", "--max-trials", "5", "--no-telemetry", "--no-focus", "-o", out},
      {{"GPUPARITY_RECORDED_OUTPUT",
        std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
       {"GPUPARITY_PROCESS_JITTER", "0.01"},
       {"GPUPARITY_ARGV_LOG", log}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  ASSERT_EQ(rep["metrics"].size(), 31u);  // 28, and submit_seconds of the three round trips
  for (const auto& m : rep["metrics"]) {
    const std::string name = m["name"];
    const bool per_process = name.rfind("startup/", 0) == 0 ||
                             name.rfind("latency/launch:", 0) == 0 ||
                             name.rfind("latency/graph_launch:", 0) == 0 ||
                             name.rfind("latency/memcpy_h2d_small:", 0) == 0;
    // Five measured trials per side, each one sample: for the fanned-out cases the median
    // of the trial's 4 processes.
    EXPECT_EQ(m["replication_unit"], "trial") << name;
    EXPECT_EQ(m.value("processes_per_sample", 0), per_process ? 4 : 0) << name;
    EXPECT_EQ(m["native"]["n"], 5) << name;
    EXPECT_EQ(m["container"]["n"], 5) << name;
  }
  // The warm-up (one invocation per side), then two invocations per trial: every other case,
  // and the process-unit ones with --processes 4 --startup-trials 1.
  const auto lines = argv_lines(log);
  ASSERT_EQ(lines.size(), 2u + 2u * 2u * 5u);
  for (std::size_t i = 2; i < lines.size(); i += 2) {
    EXPECT_FALSE(has(lines[i], "--processes")) << lines[i];
    EXPECT_TRUE(has(lines[i + 1], "--processes")) << lines[i + 1];
    EXPECT_TRUE(has(lines[i + 1], "4")) << lines[i + 1];
    EXPECT_TRUE(has(lines[i + 1], "--startup-trials")) << lines[i + 1];
    EXPECT_TRUE(has(lines[i + 1],
                    "--benchmark_filter=^(latency/graph_launch|latency/launch|"
                    "latency/memcpy_h2d_small|startup/first_kernel)(/.*)?$"))
        << lines[i + 1];
  }
  // --processes-per-trial 0: one invocation per trial, every metric per trial.
  const auto off = run_program(
      {GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
       std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs", "bench", "--min-trials",
       "5", "--max-trials", "5", "--no-telemetry", "--processes-per-trial", "0", "-o", out},
      {{"GPUPARITY_RECORDED_OUTPUT",
        std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
       {"GPUPARITY_ARGV_LOG", log}});
  EXPECT_EQ(off.exit_code, 0) << off.err;
  for (const auto& m : nlohmann::json::parse(test::slurp(out))["metrics"]) {
    EXPECT_EQ(m["replication_unit"], "trial") << m["name"];
    EXPECT_EQ(m["native"]["n"], 5) << m["name"];
  }
  EXPECT_EQ(argv_lines(log).size(), 12u);
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity

namespace gpuparity {
namespace {

// Process-unit cases run in an invocation of their own, so focus drops each one as it
// settles (not only whole families): here graph_launch and memcpy_h2d_small settle while the
// noisy launch and startup cases keep running.
TEST(Replication, SettledProcessUnitCasesStopRunning) {
  const std::string tag = std::to_string(getpid());
  const std::string out = ::testing::TempDir() + "replication-focus-" + tag + ".json";
  const std::string log = ::testing::TempDir() + "replication-focus-" + tag + ".log";
  const auto r = run_program(
      {GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
       std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs", "bench",
       "--max-trials", "7", "--budget", "300", "--no-telemetry", "-o", out},
      {{"GPUPARITY_RECORDED_OUTPUT",
        std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
       {"GPUPARITY_PROCESS_JITTER", "0.3"},
       {"GPUPARITY_ARGV_LOG", log}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto lines = argv_lines(log);
  ASSERT_FALSE(lines.empty());
  const auto& last = lines.back();
  EXPECT_TRUE(has(last, "--processes")) << last;
  EXPECT_TRUE(has(last, "--benchmark_filter=^(latency/launch|startup/first_kernel)(/.*)?$"))
      << last;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  for (const auto& m : rep["metrics"])
    if (m["name"] == "latency/graph_launch:latency_seconds") {
      EXPECT_EQ(m["verdict"], "parity");
      // Settled at 3 of its 7 planned trials (--max-trials caps the budget's plan): the first
      // look (--min-trials), where its identical samples give Welch's interval as a point.
      EXPECT_EQ(m["native"]["n"], 3);
    }
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity
