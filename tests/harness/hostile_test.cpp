// Workloads that lie in ways the other fault tests do not: samples per process the harness
// never asked for, process indices beyond an int, and a case that reports in the warm-up
// and never again. Both sides replay the recorded H100 output (tests/data/fake_bench.py)
// through a filter that plants the fault; without one the run is parity.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;

// The filter: HOSTILE_MODE names the fault; HOSTILE_STATE/<side> counts a side's
// invocations, so a fault can start after the warm-up.
constexpr const char* filter_py = R"(#!/usr/bin/env python3
import json, os, subprocess, sys
mode, side = os.environ["HOSTILE_MODE"], os.environ["HOSTILE_SIDE"]
args = sys.argv[1:]
out = subprocess.run([os.environ["HOSTILE_FAKE"]] + args, stdout=subprocess.PIPE, check=True)
doc = json.loads(out.stdout)
state = os.path.join(os.environ["HOSTILE_STATE"], side)
n = int(open(state).read()) if os.path.exists(state) else 0
open(state, "w").write(str(n + 1))
B = doc["benchmarks"]
if mode == "fan-unasked":  # three "processes" of one measurement, never asked for
    doc["benchmarks"] = [dict(b, process_index=p) for p in range(3) for b in B]
elif mode == "huge-index" and "--processes" in args:  # 2^32 + p reads as p in an int
    for b in B:
        b["process_index"] += 2**32
elif mode == "vanish" and n >= 1:  # stream/copy only in the warm-up
    doc["benchmarks"] = [b for b in B if not b["run_name"].startswith("stream/copy/")]
json.dump(doc, sys.stdout)
)";

struct hostile_files {
  std::string dir = ::testing::TempDir();
  std::string tag = std::to_string(getpid());
  std::string filter = dir + "hostile-filter-" + tag + ".py";
  std::string native = dir + "hostile-native-" + tag + ".sh";
  std::string engine = dir + "hostile-engine-" + tag + ".sh";
  std::string state = dir + "hostile-state-" + tag;
  std::string out = dir + "hostile-report-" + tag + ".json";
  hostile_files() {
    std::ofstream(filter) << filter_py;
    std::ofstream(native) << "#!/bin/sh\nHOSTILE_SIDE=native exec \"" << filter << "\" \"$@\"\n";
    // {image} names the container side's fault.
    std::ofstream(engine) << "#!/bin/sh\n"
                             "[ \"$1\" = --version ] && { echo fake-engine 1.0; exit 0; }\n"
                             "HOSTILE_MODE=$1; export HOSTILE_MODE; shift\n"
                             "[ \"$1\" = true ] && exit 0\n"
                             "shift\n"
                             "HOSTILE_SIDE=container GPUPARITY_FAKE_MNT_NS='mnt:[fake]' exec \""
                          << filter << "\" \"$@\"\n";
    for (const auto& f : {filter, native, engine}) chmod(f.c_str(), 0755);
  }
  ~hostile_files() {
    for (const auto& f : {filter, native, engine, out, state + "/native", state + "/container"})
      std::remove(f.c_str());
    rmdir(state.c_str());
  }
  test::program_result run(const std::string& native_mode, const std::string& container_mode) {
    for (const auto& f : {state + "/native", state + "/container"}) std::remove(f.c_str());
    mkdir(state.c_str(), 0755);
    return run_program(
        {GPUPARITY_EXE, "run", "--runtime", "custom", "--runtime-template",
         engine + " {image} {command}", "--image", container_mode, "--bench", native, "--programs",
         "bench", "--min-trials", "5", "--budget", "60", "--no-telemetry", "-o", out},
        {{"GPUPARITY_RECORDED_OUTPUT",
          std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
         {"HOSTILE_FAKE", std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py"},
         {"HOSTILE_MODE", native_mode},
         {"HOSTILE_STATE", state}});
  }
  nlohmann::json report() const { return nlohmann::json::parse(test::slurp(out)); }
};

void expect_error_naming(const hostile_files& f, const test::program_result& r,
                         const std::string& words) {
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = f.report();
  EXPECT_EQ(rep["verdict"], "error");
  ASSERT_TRUE(rep["error"].is_string()) << rep["verdict"];
  EXPECT_NE(rep["error"].get<std::string>().find(words), std::string::npos) << rep["error"];
}

TEST(Hostile, TheFilterWithoutAFaultIsParity) {
  hostile_files f;
  const auto r = f.run("none", "none");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(f.report()["verdict"], "parity");
}

// One measurement reported as three processes would be three samples: a narrower
// interval than the evidence allows (a false parity).
TEST(Hostile, ProcessesTheHarnessDidNotAskForAreAnError) {
  hostile_files f;
  expect_error_naming(f, f.run("none", "fan-unasked"), "not fanned out over processes");
}

// 2^32 + 1 must not pass as process 1.
TEST(Hostile, AProcessIndexBeyondAnIntIsAnError) {
  hostile_files f;
  expect_error_naming(f, f.run("none", "huge-index"), "process_index");
}

// Both sides stop reporting stream/copy after their warm-up: a metric left out of the
// verdict without a word would be a false pass.
TEST(Hostile, AMetricMeasuredOnlyInTheWarmUpIsAnError) {
  hostile_files f;
  expect_error_naming(f, f.run("vanish", "vanish"),
                      "measured in the warm-up but in no later trial: stream/copy");
}

}  // namespace
}  // namespace gpuparity
