// Host latency and startup are sampled per process: after the warm-up they run in their own
// invocation, fanned out over --processes-per-trial fresh processes, each one sample; every
// other case stays one sample per trial. The workload is tests/data/fake_bench.py, which
// honours --benchmark_filter and --processes as gpuparity-bench does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

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
  // and the process-unit ones with --processes 4 --startup-trials 1 (which of the two comes
  // first depends on the trial's place in its pair: APairsFannedOutInvocationsAreNeighbours).
  const auto lines = argv_lines(log);
  ASSERT_EQ(lines.size(), 2u + 2u * 2u * 5u);
  for (std::size_t i = 2; i < lines.size(); i += 2) {
    const bool fanned_first = has(lines[i], "--processes");
    const auto& plain = lines[fanned_first ? i + 1 : i];
    const auto& fanned = lines[fanned_first ? i : i + 1];
    EXPECT_FALSE(has(plain, "--processes")) << plain;
    EXPECT_TRUE(has(fanned, "--processes")) << fanned;
    EXPECT_TRUE(has(fanned, "4")) << fanned;
    EXPECT_TRUE(has(fanned, "--startup-trials")) << fanned;
    EXPECT_TRUE(has(fanned,
                    "--benchmark_filter=^(latency/graph_launch|latency/launch|"
                    "latency/memcpy_h2d_small|startup/first_kernel)(/.*)?$"))
        << fanned;
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
// settles (not only whole families): here graph_launch and memcpy_h2d_small settle at the
// first look, startup later, while the noisy launch case keeps running to the end.
TEST(Replication, SettledProcessUnitCasesStopRunning) {
  const std::string tag = std::to_string(getpid());
  const std::string out = ::testing::TempDir() + "replication-focus-" + tag + ".json";
  const std::string log = ::testing::TempDir() + "replication-focus-" + tag + ".log";
  const auto r =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
                   std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs", "bench",
                   "--max-trials", "7", "--budget", "300", "--no-telemetry", "-o", out},
                  {{"GPUPARITY_RECORDED_OUTPUT",
                    std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
                   {"GPUPARITY_PROCESS_JITTER", "0.3"},
                   {"GPUPARITY_ARGV_LOG", log}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto lines = argv_lines(log);
  const auto rep = nlohmann::json::parse(test::slurp(out));
  // A process-unit case runs in a measured trial while one of its deciding metrics is open:
  // not settled, or settled at the look after this trial's index or later (settled_after).
  std::map<std::string, int> runs_through;  // case -> the last trial index that runs it
  for (const auto& m : rep["metrics"]) {
    const std::string name = m["name"], c = name.substr(0, name.rfind(':'));
    if (!m["decides"].get<bool>() || m["comparison"] != "paired") continue;
    const int last = m.contains("settled_after") ? m["settled_after"].get<int>() : 1 << 20;
    runs_through[c] = std::max(runs_through[c], last);
  }
  ASSERT_EQ(runs_through.size(), 4u);
  EXPECT_EQ(runs_through["latency/graph_launch"], 3);
  EXPECT_EQ(runs_through["latency/memcpy_h2d_small"], 3);
  EXPECT_GT(runs_through["latency/launch"], 7);  // never settled
  // The argv log holds each trial's invocations in the order the report lists its trials.
  std::size_t line = 0;
  int last_index = 0;
  for (const auto& t : rep["trials"]) {
    const std::size_t n = t["programs"].size();
    ASSERT_LE(line + n, lines.size());
    const int index = t["index"];
    last_index = index;
    for (std::size_t i = line; i < line + n && index > 0; ++i) {
      if (!has(lines[i], "--processes")) continue;
      std::set<std::string> wanted;
      for (const auto& [c, through] : runs_through)
        if (through >= index) wanted.insert(c);
      std::string filter;
      for (const auto& c : wanted) filter += (filter.empty() ? "" : "|") + c;
      EXPECT_TRUE(has(lines[i], "--benchmark_filter=^(" + filter + ")(/.*)?$"))
          << "trial " << index << ": " << lines[i];
    }
    line += n;
  }
  EXPECT_EQ(line, lines.size());
  EXPECT_EQ(last_index, 7);
  for (const auto& m : rep["metrics"])
    if (m["name"] == "latency/graph_launch:latency_seconds") {
      EXPECT_EQ(m["verdict"], "parity");
      // Settled at 3 of its 7 planned trials (--max-trials caps the budget's plan): the first
      // look (--min-trials), where its identical samples make every pair's log-ratio 0, and
      // its paired interval a point.
      EXPECT_EQ(m["comparison"], "paired");
      EXPECT_EQ(m["native"]["n"], 3);
    }
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity

namespace gpuparity {
namespace {

// judge compares host-observed samples in pairs (the k-th trial of each side), so a pair's
// fanned-out invocations run next to each other: last in the pair's first trial, first in
// its second (N: plain fanned, C: fanned plain, then C: plain fanned, N: fanned plain, ...).
// The order is read twice: from what the workload was started with (the argv log, in the
// order the processes ran) and from the report's trials, which name each one's side.
TEST(Replication, APairsFannedOutInvocationsAreNeighbours) {
  const std::string tag = std::to_string(getpid());
  const std::string out = ::testing::TempDir() + "replication-order-" + tag + ".json";
  const std::string log = ::testing::TempDir() + "replication-order-" + tag + ".log";
  const auto r = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
                              std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs",
                              "bench", "--filter", "latency/|stream/copy", "--min-trials", "4",
                              "--max-trials", "4", "--no-telemetry", "--no-focus", "-o", out},
                             {{"GPUPARITY_RECORDED_OUTPUT",
                               std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
                              {"GPUPARITY_ARGV_LOG", log}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto lines = argv_lines(log);
  const auto rep = nlohmann::json::parse(test::slurp(out));
  const auto& trials = rep["trials"];
  ASSERT_EQ(trials.size(), 2u * 5u);  // the warm-up pair and 4 measured pairs
  ASSERT_EQ(lines.size(), 2u + 2u * 2u * 4u);
  for (std::size_t t = 2; t < trials.size(); ++t) {
    const std::size_t pair = t / 2;
    const bool first_of_pair = t % 2 == 0;
    // A B B A: native first in even pairs, the container side first in odd ones.
    EXPECT_EQ(trials[t]["side"], (pair % 2 == 1) == first_of_pair ? "container" : "native") << t;
    EXPECT_EQ(trials[t]["index"], pair) << t;
    const auto& programs = trials[t]["programs"];
    ASSERT_EQ(programs.size(), 2u) << t;
    const auto& ran_first = lines[2 + 2 * (t - 2)];
    const auto& ran_second = lines[3 + 2 * (t - 2)];
    // The fanned-out invocation: last in a pair's first trial, first in its second.
    EXPECT_EQ(has(ran_first, "--processes"), !first_of_pair) << t << ": " << ran_first;
    EXPECT_EQ(has(ran_second, "--processes"), first_of_pair) << t << ": " << ran_second;
    EXPECT_EQ(has(programs[0]["command"], "--processes"), !first_of_pair) << t;
    EXPECT_EQ(has(programs[1]["command"], "--processes"), first_of_pair) << t;
  }
  // So the two sides' fanned-out invocations of a measured pair are consecutive processes.
  for (std::size_t pair = 1; pair < 5; ++pair) {
    const std::size_t last_of_first = 2 + 4 * (pair - 1) + 1;
    EXPECT_TRUE(has(lines[last_of_first], "--processes")) << pair;
    EXPECT_TRUE(has(lines[last_of_first + 1], "--processes")) << pair;
  }
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity
