// compare, baseline, report and run --baseline on the documents a hostile tester wrote: a
// run report that says error, benchmark JSON with an incorrect case, a candidate that
// measured 1 of 28 metrics, wrong types, a minimal report, another schema version, samples
// at or below zero. Each exits 4 with "ERROR:" (or, for the 1 of 28, an error verdict that
// every rendering explains), never 0, never a signal.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

using json = nlohmann::ordered_json;
using test::run_program;

const std::string exe = GPUPARITY_EXE;
const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/";
const std::string long_run = runs + "parity-podman-long.report.json";
const std::string bench_json = std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json";

json read(const std::string& path) { return json::parse(test::slurp(path)); }

// A document written for one test, removed with it.
class temp_doc {
 public:
  temp_doc(const std::string& tag, const std::string& text)
      : path_(::testing::TempDir() + "gpuparity_doc_" + tag + "_" + std::to_string(getpid()) +
              ".json") {
    std::ofstream(path_) << text;
  }
  temp_doc(const std::string& tag, const json& doc) : temp_doc(tag, doc.dump()) {}
  ~temp_doc() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

void expect_refused(const test::program_result& r, const std::string& what,
                    const std::string& cmd) {
  EXPECT_EQ(r.exit_code, 4) << r.out << r.err;
  EXPECT_EQ(r.err.rfind("gpuparity " + cmd + ": ERROR:", 0), 0u) << r.err;
  EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
}

TEST(DocumentsCli, ARunReportThatSaysErrorIsRefusedEverywhereItWouldBeEvidence) {
  auto doc = read(long_run);
  doc["verdict"] = "error";
  doc["error"] = "container trial 3: gpuparity-bench exited with signal 11";
  doc["exit_code"] = 4;
  const temp_doc err("error", doc);
  const std::string why = "is a run report whose verdict is error";
  expect_refused(run_program({exe, "compare", long_run, err.path()}), why, "compare");
  expect_refused(run_program({exe, "compare", err.path(), long_run}), why, "compare");
  expect_refused(run_program({exe, "baseline", err.path(), "-o", err.path() + ".b"}), why,
                 "baseline");
  const auto out = err.path() + ".run.json";
  const auto r = run_program({exe, "run", "--native-vs-native", "--bench", GPUPARITY_BENCH_EXE,
                              "--baseline", err.path(), "-o", out});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("cannot use the baseline: " + err.path() + " " + why), std::string::npos)
      << r.err;
  // Rendering it is fine: it is a valid report of a failed run.
  EXPECT_EQ(run_program({exe, "report", err.path()}).exit_code, 0);
  std::remove(out.c_str());
}

TEST(DocumentsCli, AnIncorrectBenchmarkCaseMakesCompareAnErrorAndBaselineRefuse) {
  auto doc = read(bench_json);
  doc["benchmarks"][0]["error_occurred"] = true;
  doc["benchmarks"][0]["error_message"] = "incorrect: 12 of 268435456 elements differ";
  const temp_doc bad("incorrect", doc);
  const auto c = run_program({exe, "compare", bench_json, bad.path()});
  expect_refused(c, "cases failed: candidate stream/copy: incorrect", "compare");
  EXPECT_NE(c.out.find("## gpuparity compare: **error**"), std::string::npos) << c.out;
  expect_refused(run_program({exe, "compare", bad.path(), bench_json}),
                 "cases failed: baseline stream/copy: incorrect", "compare");
  expect_refused(run_program({exe, "baseline", bad.path(), "-o", bad.path() + ".b"}),
                 "stream/copy: incorrect", "baseline");
}

// run --baseline with such a baseline: the recorded H100 workload (cli_test.cpp) against it.
TEST(DocumentsCli, RunWithABaselineThatHasAFailedCaseIsAnError) {
  auto doc = read(bench_json);
  doc["benchmarks"][3]["error_occurred"] = true;
  doc["benchmarks"][3]["error_message"] = "incorrect: checksum differs";
  const temp_doc bad("runbase", doc);
  const auto script = bad.path() + ".sh";
  std::ofstream(script) << "#!/bin/sh\ncat \"$GPUPARITY_RECORDED_OUTPUT\"\n";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const auto out = bad.path() + ".report.json";
  const auto r =
      run_program({exe, "run", "--native-vs-native", "--bench", script, "--programs", "bench",
                   "--min-trials", "2", "--budget", "60", "-o", out, "--baseline", bad.path()},
                  {{"GPUPARITY_RECORDED_OUTPUT", bench_json}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = read(out);
  EXPECT_EQ(rep["baseline_comparison"]["verdict"], "error");
  EXPECT_NE(rep["baseline_comparison"]["verdict_reason"].get<std::string>().find("incorrect"),
            std::string::npos);
  for (const auto& f : {script, out}) std::remove(f.c_str());
}

TEST(DocumentsCli, ACandidateWithOneOf28MetricsIsAnErrorThatEveryRenderingExplains) {
  auto doc = read(long_run);
  json kept = json::array();
  for (const auto& m : doc["metrics"])
    if (m["name"] == "stream/triad:bytes_per_second") kept.push_back(m);
  doc["metrics"] = kept;
  const temp_doc one("one", doc);
  const std::string p = one.path();
  const auto r =
      run_program({exe, "compare", long_run, p, "-o", p + ".cmp", "--junit", p + ".xml", "--prom",
                   p + ".prom", "--markdown", p + ".md", "--html", p + ".html"});
  expect_refused(r, "27 metric(s) measured on one side only", "compare");
  const auto cmp = read(p + ".cmp");
  EXPECT_EQ(cmp["verdict"], "error");
  EXPECT_EQ(cmp["only_in_baseline"].size(), 27u);
  // Each of the 27 others is named in every rendering.
  for (const auto& m : read(long_run)["metrics"]) {
    const std::string name = m["name"];
    if (name == "stream/triad:bytes_per_second") continue;
    for (const auto& ext : {".xml", ".prom", ".md", ".html"})
      EXPECT_NE(test::slurp(p + ext).find(name), std::string::npos) << name << " in " << ext;
    EXPECT_NE(r.out.find(name), std::string::npos) << name;
  }
  for (const auto& ext : {".cmp", ".xml", ".prom", ".md", ".html"}) std::remove((p + ext).c_str());
}

TEST(DocumentsCli, WrongTypesAndAMinimalReportExit4NeverASignal) {
  const temp_doc minimal("minimal", std::string(R"({"schema_version": 1, "mode": "native-vs-native",
      "metrics": [], "sides": {}, "trials": []})"));
  expect_refused(run_program({exe, "report", minimal.path()}), "started_at: missing", "report");
  expect_refused(run_program({exe, "report", minimal.path(), "--html", minimal.path() + ".html"}),
                 "started_at: missing", "report");
  expect_refused(run_program({exe, "compare", minimal.path(), minimal.path()}),
                 "started_at: missing", "compare");

  auto doc = read(long_run);
  doc["metrics"][2]["native"]["median"] = "fast";
  const temp_doc median("median", doc);
  expect_refused(run_program({exe, "report", median.path(), "--prom", median.path() + ".prom"}),
                 "metrics[2].native.median: expected a finite number, found string", "report");

  doc = read(long_run);
  doc["metrics"][4]["container"]["samples"] = "20 samples";
  const temp_doc samples("samples", doc);
  expect_refused(run_program({exe, "compare", long_run, samples.path()}),
                 "metrics[4].container.samples: expected an array", "compare");

  auto cmp = read(runs + "gate-run.comparison.json");
  cmp["metrics"][0]["decides"] = "yes";
  const temp_doc decides("decides", cmp);
  expect_refused(run_program({exe, "report", decides.path(), "--junit", decides.path() + ".xml"}),
                 "metrics[0].decides: expected true or false", "report");

  const temp_doc truncated("truncated", test::slurp(long_run).substr(0, 5000));
  expect_refused(run_program({exe, "report", truncated.path()}), "is not JSON", "report");
  for (const auto& f : {minimal.path() + ".html", median.path() + ".prom", decides.path() + ".xml"})
    std::remove(f.c_str());
}

TEST(DocumentsCli, AnotherSchemaVersionIsRefusedNamingWhatThisGpuparityReads) {
  for (const std::string& path : {long_run, std::string(GPUPARITY_RESULTS) +
                                                "/baselines/NVIDIA_H100_80GB_HBM3/baseline.json"}) {
    auto doc = read(path);
    doc["schema_version"] = 2;
    const temp_doc v2("v2", doc);
    const std::string want = " of schema_version 2; this gpuparity (";
    expect_refused(run_program({exe, "compare", v2.path(), long_run}), want, "compare");
    expect_refused(run_program({exe, "baseline", v2.path(), "-o", v2.path() + ".b"}), want,
                   "baseline");
    doc.erase("schema_version");
    const temp_doc none("none", doc);
    expect_refused(run_program({exe, "compare", long_run, none.path()}), "has no schema_version",
                   "compare");
  }
  auto doc = read(long_run);
  doc["schema_version"] = 2;
  const temp_doc v2("v2report", doc);
  expect_refused(run_program({exe, "report", v2.path()}), "reads run reports of schema version 1",
                 "report");
}

TEST(DocumentsCli, SamplesAtOrBelowZeroAreRefusedNotPooled) {
  for (const double v : {0.0, -3.0e12}) {
    auto doc = read(long_run);
    doc["metrics"][0]["container"]["samples"][0] = v;
    const temp_doc bad("nonpositive", doc);
    const auto out = bad.path() + ".baseline.json";
    expect_refused(run_program({exe, "baseline", bad.path(), "-o", out}),
                   "metrics[0].container.samples[0]: a sample must be above 0", "baseline");
    EXPECT_NE(access(out.c_str(), F_OK), 0) << "a baseline was written";
    expect_refused(run_program({exe, "compare", long_run, bad.path()}), "must be above 0",
                   "compare");
  }
}

TEST(DocumentsCli, ABaselineListsTheMetricsSomeReportsLack) {
  auto doc = read(long_run);
  doc["metrics"].erase(0);
  const temp_doc fewer("fewer", doc);
  const auto out = fewer.path() + ".baseline.json";
  const auto b = run_program({exe, "baseline", long_run, fewer.path(), "-o", out});
  EXPECT_EQ(b.exit_code, 0) << b.err;
  const std::string dropped = read(long_run)["metrics"][0]["name"];
  EXPECT_NE(b.err.find("warning: " + dropped + " left out"), std::string::npos) << b.err;
  const auto base = read(out);
  ASSERT_EQ(base["dropped_metrics"].size(), 1u);
  EXPECT_EQ(base["dropped_metrics"][0]["name"], dropped);
  // A candidate that measures it cannot pass on it: inconclusive at best.
  const auto c = run_program({exe, "compare", out, long_run});
  EXPECT_EQ(c.exit_code, 3) << c.out;
  EXPECT_NE(c.out.find("`" + dropped + "`: only in the candidate"), std::string::npos) << c.out;
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity
