// `gpuparity run` may say parity only when every metric was judged on both sides, on the
// same GPU, with nothing failed and no audit error. Both sides replay the recorded H100
// workload output; the container side with one fault. Without the fault the run is
// parity, so each fault alone is what turns it into an error.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;

// The native side is tests/data/fake_bench.py as it is; the container side a fake engine
// (a custom runtime template whose {image} names the fault) that runs it with the fault.
struct fixture_files {
  std::string dir = ::testing::TempDir();
  std::string tag = std::to_string(getpid());
  std::string fake = std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py";
  std::string engine = dir + "fp-engine-" + tag + ".sh";
  std::string out = dir + "fp-report-" + tag + ".json";
  fixture_files() {
    std::ofstream(engine)
        << "#!/bin/sh\n"
           "[ \"$1\" = --version ] && { echo fake-engine 1.0; exit 0; }\n"
           "fault=$1; shift\n"
           "[ \"$1\" = true ] && exit 0\n"
           "shift\n"  // the program's name: the fake stands in for it
           "[ \"$fault\" = on-the-host ] || export GPUPARITY_FAKE_MNT_NS='mnt:[fake]'\n"
           "GPUPARITY_FAULT=$fault exec \"$GPUPARITY_FAKE_BENCH\" \"$@\"\n";
    chmod(engine.c_str(), 0755);
  }
  ~fixture_files() {
    for (const auto& f : {engine, out, dir + "fp-nvml-" + tag + "/libnvidia-ml.so.1",
                          dir + "fp-nvml-" + tag})
      std::remove(f.c_str());
  }
  // `nvml`: the environment of a stand-in NVML (tests/harness/fake_nvml.cpp) that the run's
  // telemetry loads; none: no telemetry. `more`: further arguments of the run.
  test::program_result run(const std::string& fault,
                           const std::vector<std::pair<std::string, std::string>>& nvml = {},
                           const std::vector<std::string>& more = {}) const {
    std::vector<std::string> args = {GPUPARITY_EXE, "run", "--runtime", "custom", "--runtime-template",
                                     engine + " {image} {command}", "--image", fault, "--bench", fake,
                                     "--programs", "bench", "--min-trials", "5", "--budget", "60",
                                     "-o", out};
    args.insert(args.end() - 2, more.begin(), more.end());
    std::vector<std::pair<std::string, std::string>> env = {
        {"GPUPARITY_RECORDED_OUTPUT", std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
        {"GPUPARITY_FAKE_BENCH", fake}};
    if (nvml.empty()) {
      args.insert(args.end() - 2, "--no-telemetry");
    } else {
      // The loader finds the stand-in by NVML's own name, as it finds the driver's.
      const std::string lib = dir + "fp-nvml-" + tag;
      mkdir(lib.c_str(), 0755);
      const std::string so = lib + "/libnvidia-ml.so.1";
      std::remove(so.c_str());
      EXPECT_EQ(symlink(GPUPARITY_FAKE_NVML, so.c_str()), 0);
      env.emplace_back("LD_LIBRARY_PATH", lib);
      env.insert(env.end(), nvml.begin(), nvml.end());
    }
    return run_program(args, env);
  }
  nlohmann::json report() const { return nlohmann::json::parse(test::slurp(out)); }
  // Runs with the fault and expects an error run (exit 4, verdict error); its report.
  nlohmann::json error_report(const std::string& fault) const {
    const auto r = run(fault);
    EXPECT_EQ(r.exit_code, 4) << fault << ": " << r.err;
    auto rep = report();
    EXPECT_EQ(rep["verdict"], "error") << fault;
    last_err = r.err;
    return rep;
  }
  mutable std::string last_err;  // stderr of the last error_report run
};

TEST(FalsePass, TheUnfaultedReplayIsParity) {
  const fixture_files f;
  const auto r = f.run("none");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = f.report();
  EXPECT_EQ(rep["verdict"], "parity");
  EXPECT_TRUE(rep["verdict_reason"].is_null());
  EXPECT_TRUE(rep["missing_metrics"].empty());
}

// Another process computing on the GPU through the run (NVML counts it when no trial runs):
// both sides slowed alike may well look equal, and that proves nothing. With the same
// telemetry and an idle GPU the run is parity, so the shared GPU alone holds the pass back.
TEST(FalsePass, ASharedGpuIsNeverAPass) {
  const fixture_files f;
  const auto idle = f.run("none", {{"FAKE_NVML_PROCESSES", "0"}});
  EXPECT_EQ(idle.exit_code, 0) << idle.err;
  auto rep = f.report();
  EXPECT_EQ(rep["verdict"], "parity");
  EXPECT_EQ(rep["telemetry"]["device"]["state"]["other_compute_processes_at_start"], 0)
      << "the stand-in NVML was not loaded: " << rep["telemetry"].dump().substr(0, 300);
  const auto shared = f.run("none", {{"FAKE_NVML_PROCESSES", "1"}}, {"--junit", f.out + ".xml"});
  EXPECT_EQ(shared.exit_code, 3) << shared.err;
  rep = f.report();
  EXPECT_EQ(rep["verdict"], "inconclusive");
  ASSERT_TRUE(rep["verdict_reason"].is_string());
  EXPECT_NE(rep["verdict_reason"].get<std::string>().find("gpu_shared"), std::string::npos)
      << rep["verdict_reason"];
  ASSERT_FALSE(rep["audit"].empty());
  EXPECT_EQ(rep["audit"][0]["id"], "gpu_shared") << "what holds the verdict back leads";
  // Its JUnit shows what holds the pass back, not an all-green suite.
  EXPECT_NE(test::slurp(f.out + ".xml").find("<skipped message=\"measurement disturbed: "),
            std::string::npos);
  // The same report as a gate's candidate (against the idle run's), and as a baseline: no
  // pass, no reference. The idle report against itself passes, so the shared GPU is why.
  const std::string idle_report = f.out + ".idle.json", cmp_out = f.out + ".cmp.json";
  {
    const auto again = f.run("none", {{"FAKE_NVML_PROCESSES", "0"}});
    ASSERT_EQ(again.exit_code, 0) << again.err;
    std::rename(f.out.c_str(), idle_report.c_str());
  }
  EXPECT_EQ(run_program({GPUPARITY_EXE, "compare", idle_report, idle_report, "-o", cmp_out}).exit_code, 0);
  f.run("none", {{"FAKE_NVML_PROCESSES", "1"}});
  const auto cmp = run_program({GPUPARITY_EXE, "compare", idle_report, f.out, "-o", cmp_out});
  EXPECT_EQ(cmp.exit_code, 3) << cmp.out << cmp.err;
  const auto doc = nlohmann::json::parse(test::slurp(cmp_out));
  EXPECT_EQ(doc["verdict"], "inconclusive");
  EXPECT_NE(doc["verdict_reason"].get<std::string>().find("candidate gpu_shared"), std::string::npos)
      << doc["verdict_reason"];
  const auto base = run_program({GPUPARITY_EXE, "baseline", f.out, "-o", f.out + ".base.json"});
  EXPECT_EQ(base.exit_code, 4) << base.out << base.err;
  EXPECT_NE(base.err.find("idle GPU"), std::string::npos) << base.err;
  // An A/A run (no container to audit) on the shared GPU: the same.
  const auto aa = f.run("none", {{"FAKE_NVML_PROCESSES", "2"}}, {"--native-vs-native"});
  EXPECT_EQ(aa.exit_code, 3) << aa.err;
  rep = f.report();
  EXPECT_EQ(rep["mode"], "native-vs-native");
  EXPECT_EQ(rep["verdict"], "inconclusive");
  ASSERT_FALSE(rep["audit"].empty());
  EXPECT_EQ(rep["audit"][0]["id"], "gpu_shared");
  for (const auto& p : {idle_report, cmp_out, f.out + ".xml"}) std::remove(p.c_str());
}

// The container side loses stream/copy in four ways; each is an error naming the metric.
TEST(FalsePass, AMetricMeasuredOnOneSideOnlyIsAnError) {
  const fixture_files f;
  for (const char* fault : {"omit-case", "not-supported", "counter-missing"}) {
    const auto rep = f.error_report(fault);
    EXPECT_EQ(rep["exit_code"], 4) << fault;
    ASSERT_EQ(rep["missing_metrics"].size(), 1u) << fault;
    EXPECT_EQ(rep["missing_metrics"][0]["name"], "stream/copy:bytes_per_second") << fault;
    EXPECT_EQ(rep["missing_metrics"][0]["measured_on"], "native") << fault;
    EXPECT_NE(rep["error"].get<std::string>().find("stream/copy:bytes_per_second"),
              std::string::npos)
        << fault << ": " << rep["error"];
    EXPECT_NE(f.last_err.find("measured on one side only"), std::string::npos)
        << fault << f.last_err;
  }
}

// A counter of the wrong type is the case's failure, so the trial and the run are errors:
// the primary counter, or a round trip's submit_seconds beside a good latency_seconds.
TEST(FalsePass, ACounterOfTheWrongTypeIsAnError) {
  const fixture_files f;
  const auto rep = f.error_report("counter-string");
  EXPECT_NE(rep["error"].get<std::string>().find("stream/copy: bytes_per_second is string"),
            std::string::npos)
      << rep["error"];
  const auto submit = f.error_report("submit-string");
  EXPECT_NE(submit["error"].get<std::string>().find("latency/launch: submit_seconds is string"),
            std::string::npos)
      << submit["error"];
}

// A runtime template that runs the workload on the host (no container at all): both sides
// report one mount namespace, and the audit's error makes the run an error.
TEST(FalsePass, AContainerSideThatRanOnTheHostIsAnError) {
  const fixture_files f;
  const auto rep = f.error_report("on-the-host");
  ASSERT_FALSE(rep["audit"].empty());
  EXPECT_EQ(rep["audit"][0]["id"], "container_not_isolated") << rep["audit"].dump(1);
  EXPECT_NE(rep["error"].get<std::string>().find("container_not_isolated"), std::string::npos)
      << rep["error"];
}

TEST(FalsePass, DifferentGpusOnTheTwoSidesAreAnError) {
  const fixture_files f;
  for (const auto& [fault, what] : {std::pair<const char*, const char*>{"other-gpu-model", "A100"},
                                    {"other-gpu-uuid", "GPU UUID"}}) {
    const auto rep = f.error_report(fault);
    EXPECT_NE(rep["error"].get<std::string>().find(what), std::string::npos)
        << fault << ": " << rep["error"];
  }
}

// No GPU facts from the container: the audit's error finding alone makes the run an error.
TEST(FalsePass, AnAuditErrorIsAnError) {
  const fixture_files f;
  const auto rep = f.error_report("no-gpu-facts");
  bool audit_error = false;
  for (const auto& a : rep["audit"]) audit_error |= a["severity"] == "error";
  EXPECT_TRUE(audit_error) << rep["audit"].dump(1);
  EXPECT_NE(rep["error"].get<std::string>().find("the audit found an error"), std::string::npos)
      << rep["error"];
}

}  // namespace
}  // namespace gpuparity

namespace gpuparity {
namespace {

// A gated run with --filter measures part of what the baseline holds: the metrics the filter
// left out are unjudged (the gate is inconclusive, exit 3), never an error and never a pass;
// without a filter the same gaps are an error.
TEST(FalsePass, AFilteredRunAgainstAFullBaselineIsNeverAPass) {
  const std::string out =
      ::testing::TempDir() + "fp-filtered-" + std::to_string(getpid()) + ".json";
  const std::string baseline =
      std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/parity-podman-long.report.json";
  const auto r = test::run_program(
      {GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
       std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs", "bench", "--filter",
       "stream/copy", "--min-trials", "5", "--no-telemetry", "--baseline", baseline, "-o", out},
      {{"GPUPARITY_RECORDED_OUTPUT",
        std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"}});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  EXPECT_EQ(rep["verdict"], "parity");
  const auto& cmp = rep["baseline_comparison"];
  EXPECT_EQ(cmp["verdict"], "inconclusive") << cmp["verdict_reason"];
  EXPECT_EQ(cmp["only_in_baseline"].size(), 27u);
  EXPECT_NE(cmp["verdict_reason"].get<std::string>().find("measured on one side only"),
            std::string::npos)
      << cmp["verdict_reason"];
  // `compare` of the same candidate, which has no filter to explain the gaps: an error.
  const auto c = test::run_program({GPUPARITY_EXE, "compare", baseline, out});
  EXPECT_EQ(c.exit_code, 4) << c.out << c.err;
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity

namespace gpuparity {
namespace {

// A container whose workload hangs is killed at the trial timeout; the audit says so and
// does not blame the GPU ("no GPU visible" was the diagnosis before).
TEST(FalsePass, AHungContainerIsNamedAsStoppedNotAsMissingItsGpu) {
  const std::string tag = std::to_string(getpid());
  const std::string engine = ::testing::TempDir() + "fp-hang-engine-" + tag + ".sh";
  const std::string out = ::testing::TempDir() + "fp-hang-" + tag + ".json";
  std::ofstream(engine) << "#!/bin/sh\n[ \"$1\" = --version ] && { echo fake 1; exit 0; }\n"
                           "shift\n[ \"$1\" = true ] && exit 0\nexec sleep 60\n";
  chmod(engine.c_str(), 0755);
  const auto r =
      test::run_program({GPUPARITY_EXE, "run", "--runtime", "custom", "--runtime-template",
                         engine + " {image} {command}", "--image", "x", "--bench",
                         std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py", "--programs", "bench",
                         "--trial-timeout", "2", "--no-telemetry", "-o", out},
                        {{"GPUPARITY_RECORDED_OUTPUT",
                          std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  ASSERT_FALSE(rep["audit"].empty());
  EXPECT_EQ(rep["audit"][0]["id"], "container_workload_stopped") << rep["audit"].dump(1);
  for (const auto& a : rep["audit"]) EXPECT_NE(a["id"], "no_gpu_in_container") << a.dump();
  std::remove(engine.c_str());
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity
