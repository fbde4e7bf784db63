// compare and baseline on real H100 reports committed under results/.
#include "compare.hpp"

#include <gtest/gtest.h>

#include "json_util.hpp"
#include "measurements.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/";
const std::string long_run = runs + "parity-podman-long.report.json";

json read(const std::string& path) { return read_json_file(path); }

// The long run's report with one metric's container samples scaled by `factor`.
json with_container_scaled(const std::string& name, double factor) {
  auto doc = read(long_run);
  for (auto& m : doc["metrics"])
    if (m["name"] == name)
      for (auto& v : m["container"]["samples"]) v = v.get<double>() * factor;
  return doc;
}

const json* metric(const json& doc, const std::string& name) {
  for (const auto& m : doc["metrics"])
    if (m["name"] == name) return &m;
  return nullptr;
}

TEST(Measurements, ReadsOneSideOfARunReport) {
  const auto c = load_measurements(long_run, "container");
  EXPECT_EQ(c.kind, "run_report");
  EXPECT_EQ(c.facts.gpu_name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(c.facts.driver_version, "580.159.04");
  ASSERT_EQ(c.metrics.count("stream/copy:bytes_per_second"), 1u);
  EXPECT_EQ(c.metrics.at("stream/copy:bytes_per_second").samples.size(), 20u);
  EXPECT_EQ(c.metrics.at("copy/h2d_pageable:bytes_per_second").kind.cls, metric_class::host);
  EXPECT_FALSE(c.metrics.at("latency/launch:latency_seconds").kind.higher_is_better);
  const auto n = load_measurements(long_run, "native");
  EXPECT_NE(n.metrics.at("stream/copy:bytes_per_second").samples,
            c.metrics.at("stream/copy:bytes_per_second").samples);
}

TEST(Measurements, ReadsGoogleBenchmarkRepetitions) {
  const auto g = load_measurements(
      std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/gpuparity-bench-reps5.json", "");
  EXPECT_EQ(g.kind, "google_benchmark");
  EXPECT_EQ(g.facts.gpu_name, "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(g.metrics.at("stream/triad:bytes_per_second").samples.size(), 5u);  // no aggregates
}

TEST(Measurements, RefusesWhatCannotServe) {
  EXPECT_THROW(load_measurements("/nonexistent.json", "container"), measurement_error);
  EXPECT_THROW(load_measurements(runs + "podman-gpus-flag.report.json", "container"),
               measurement_error);  // an error report measured nothing
  EXPECT_THROW(measurements_from_json(json{{"x", 1}}, "x.json", "container"), measurement_error);
  EXPECT_THROW(load_measurements(long_run, "both"), measurement_error);
}

TEST(Compare, AReportAgainstItselfIsNoRegression) {
  const auto c = load_measurements(long_run, "container");
  const auto doc = compare_measurements(c, c, class_margins{});
  EXPECT_EQ(doc["verdict"], "no_regression");
  EXPECT_EQ(doc["exit_code"], 0);
  EXPECT_EQ(doc["metrics"].size(), c.metrics.size());
  for (const auto& m : doc["metrics"]) EXPECT_NEAR(m["ratio"].get<double>(), 1.0, 1e-12);
}

TEST(Compare, OneMetricScaledBy095IsARegressionNamed) {
  const auto doc = with_container_scaled("stream/triad:bytes_per_second", 0.95);
  const auto base = load_measurements(long_run, "container");
  const auto cand = measurements_from_json(doc, "scaled.json", "container");
  const auto cmp = compare_measurements(base, cand, class_margins{});
  EXPECT_EQ(cmp["verdict"], "regression");
  EXPECT_EQ(cmp["exit_code"], 1);
  int regressions = 0;
  for (const auto& m : cmp["metrics"])
    if (m["verdict"] == "regression") {
      ++regressions;
      EXPECT_EQ(m["name"], "stream/triad:bytes_per_second");
      EXPECT_NEAR(m["ratio"].get<double>(), 0.95, 1e-9);
    }
  EXPECT_EQ(regressions, 1);
}

TEST(Compare, LatencyRegressionIsOrientedLowerIsBetter) {
  const auto doc =
      with_container_scaled("latency/device_memory:latency_seconds", 1.10);  // 10% slower
  const auto cmp =
      compare_measurements(load_measurements(long_run, "container"),
                           measurements_from_json(doc, "slow.json", "container"), class_margins{});
  const json* m = metric(cmp, "latency/device_memory:latency_seconds");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ((*m)["verdict"], "regression");
  EXPECT_LT((*m)["ratio"].get<double>(), 0.95);
}

TEST(Compare, HostClassIsInformationalUnlessJudged) {
  const auto doc = with_container_scaled("copy/h2d_pageable:bytes_per_second", 0.5);
  const auto base = load_measurements(long_run, "container");
  const auto cand = measurements_from_json(doc, "half.json", "container");
  const auto informational = compare_measurements(base, cand, class_margins{});
  EXPECT_EQ((*metric(informational, "copy/h2d_pageable:bytes_per_second"))["verdict"],
            "regression");
  EXPECT_EQ(informational["verdict"], "no_regression");
  class_margins judged;
  judged.judge_host = true;
  EXPECT_EQ(compare_measurements(base, cand, judged)["verdict"], "regression");
}

TEST(Compare, DifferentGpuModelIsNotComparable) {
  auto doc = read(long_run);
  doc["sides"]["container"]["gpu_name"] = "NVIDIA H200";
  const auto cmp =
      compare_measurements(load_measurements(long_run, "container"),
                           measurements_from_json(doc, "h200.json", "container"), class_margins{});
  EXPECT_EQ(cmp["verdict"], "not_comparable");
  EXPECT_EQ(cmp["exit_code"], 5);
  ASSERT_FALSE(cmp["comparability"].empty());
  EXPECT_EQ(cmp["comparability"][0]["check"], "gpu_model");
  EXPECT_EQ(cmp["comparability"][0]["severity"], "error");
}

TEST(Compare, ClockAndPowerDifferencesAreWarnings) {
  auto doc = read(long_run);
  doc["sides"]["container"]["gpu_sm_clock_max_hz"] = "1755000000";
  doc["sides"]["container"]["env_nvml_driver_version"] = "590.10.01";
  const auto c = load_measurements(long_run, "container");
  const auto cmp =
      compare_measurements(c, measurements_from_json(doc, "x.json", "container"), class_margins{});
  EXPECT_NE(cmp["verdict"], "not_comparable");
  std::map<std::string, std::string> severity;
  for (const auto& k : cmp["comparability"]) severity[k["check"]] = k["severity"];
  EXPECT_EQ(severity["sm_clock_max"], "warning");
  EXPECT_EQ(severity["driver"], "info");
}

// No common metric: the baseline's metrics are all missing from the candidate, an error
// (decide_comparison), not merely "not comparable".
TEST(Compare, NoCommonMetricIsAnErrorNamingTheMissing) {
  const auto c = load_measurements(long_run, "container");
  auto only = c;
  only.metrics.clear();
  only.metrics["other/case:seconds"] = c.metrics.begin()->second;
  only.metrics["other/case:seconds"].kind.name = "other/case:seconds";
  const auto cmp = compare_measurements(c, only, class_margins{});
  EXPECT_EQ(cmp["verdict"], "error");
  EXPECT_EQ(cmp["exit_code"], 4);
  EXPECT_EQ(cmp["only_in_candidate"].size(), 1u);
  EXPECT_EQ(cmp["only_in_baseline"].size(), c.metrics.size());
  EXPECT_NE(cmp["verdict_reason"].get<std::string>().find("28 metric(s) measured on one side only"),
            std::string::npos)
      << cmp["verdict_reason"];
}

TEST(Baseline, PoolsRunsAndKeepsTheirMedians) {
  const auto a = load_measurements(runs + "parity-podman.report.json", "container");
  const auto b = load_measurements(long_run, "container");
  const auto doc = make_baseline({a, b});
  EXPECT_EQ(doc["kind"], "gpuparity-baseline");
  EXPECT_EQ(doc["gpu"]["name"], "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(doc["sources"].size(), 2u);
  const json* m = metric(doc, "stream/copy:bytes_per_second");
  ASSERT_NE(m, nullptr);
  const auto na = a.metrics.at("stream/copy:bytes_per_second").samples.size();
  const auto nb = b.metrics.at("stream/copy:bytes_per_second").samples.size();
  EXPECT_EQ((*m)["n"].get<std::size_t>(), na + nb);
  EXPECT_EQ((*m)["run_medians"].size(), 2u);
  EXPECT_LE((*m)["spread"]["run_median_min"].get<double>(),
            (*m)["spread"]["run_median_max"].get<double>());
  // A baseline reads back as measurements, and the runs it pooled do not regress from it.
  const auto base = measurements_from_json(doc, "baseline.json", "");
  EXPECT_EQ(base.kind, "baseline");
  EXPECT_NE(compare_measurements(base, b, class_margins{})["verdict"], "regression");
}

TEST(Baseline, RefusesMixedGpuModels) {
  auto doc = read(long_run);
  doc["sides"]["container"]["gpu_name"] = "NVIDIA A100-SXM4-80GB";
  const auto a = load_measurements(long_run, "container");
  const auto b = measurements_from_json(doc, "a100.json", "container");
  EXPECT_THROW(make_baseline({a, b}), measurement_error);
}

// The hostile tester's case: a candidate that measured 1 of the baseline's 28 metrics.
TEST(Compare, MetricsOnlyInTheBaselineAreAnError) {
  auto doc = read(long_run);
  json kept = json::array();
  for (const auto& m : doc["metrics"])
    if (m["name"] == "stream/copy:bytes_per_second") kept.push_back(m);
  doc["metrics"] = kept;
  const auto cmp =
      compare_measurements(load_measurements(long_run, "container"),
                           measurements_from_json(doc, "one.json", "container"), class_margins{});
  EXPECT_EQ(cmp["verdict"], "error");
  EXPECT_EQ(cmp["exit_code"], 4);
  EXPECT_EQ(cmp["only_in_baseline"].size(), 27u);
  EXPECT_NE(cmp["verdict_reason"].get<std::string>().find("27 metric(s) measured on one side only"),
            std::string::npos);
}

TEST(Compare, MetricsOnlyInTheCandidateAreInconclusiveAtBest) {
  auto doc = read(long_run);
  json kept = json::array();
  for (const auto& m : doc["metrics"])
    if (m["class"] != "latency") kept.push_back(m);
  doc["metrics"] = kept;
  const auto cmp = compare_measurements(measurements_from_json(doc, "fewer.json", "container"),
                                        load_measurements(long_run, "container"), class_margins{});
  EXPECT_EQ(cmp["verdict"], "inconclusive");
  EXPECT_EQ(cmp["exit_code"], 3);
  EXPECT_FALSE(cmp["only_in_candidate"].empty());
  EXPECT_TRUE(cmp["only_in_baseline"].empty());
}

TEST(Compare, AFailedCaseOfEitherDocumentIsAnError) {
  const std::string data = GPUPARITY_TEST_DATA;
  auto doc = read(data + "/h100-gpuparity-bench.json");
  const auto clean = measurements_from_json(doc, "clean.json", "");
  doc["benchmarks"][0]["error_occurred"] = true;
  doc["benchmarks"][0]["error_message"] = "incorrect: 12 elements differ";
  const auto failed = measurements_from_json(doc, "incorrect.json", "");
  for (const auto& [b, c] : {std::pair{&clean, &failed}, std::pair{&failed, &clean}}) {
    const auto cmp = compare_measurements(*b, *c, class_margins{});
    EXPECT_EQ(cmp["verdict"], "error");
    EXPECT_NE(cmp["verdict_reason"].get<std::string>().find("stream/copy: incorrect"),
              std::string::npos)
        << cmp["verdict_reason"];
  }
  // Even when every metric it kept is fine: the same document's other cases against itself.
  EXPECT_EQ(compare_measurements(failed, failed, class_margins{})["verdict"], "error");
  EXPECT_THROW(make_baseline({failed}), measurement_error);
}

TEST(Compare, ADocumentThatNamesNoGpuIsNotComparable) {
  auto doc = read(long_run);
  doc["sides"]["container"].erase("gpu_name");
  const auto cmp =
      compare_measurements(load_measurements(long_run, "container"),
                           measurements_from_json(doc, "anon.json", "container"), class_margins{});
  EXPECT_EQ(cmp["verdict"], "not_comparable");
  EXPECT_NE(cmp["verdict_reason"].get<std::string>().find("GPU model: NVIDIA H100 80GB HBM3 vs "
                                                          "unknown"),
            std::string::npos);
}

TEST(Baseline, ListsTheMetricsSomeRunsLack) {
  const auto a = load_measurements(runs + "parity-podman.report.json", "container");
  auto fewer = read(long_run);
  fewer["metrics"].erase(0);  // compute/fp16, say
  const auto b = measurements_from_json(fewer, "fewer.json", "container");
  const auto doc = make_baseline({a, b});
  ASSERT_EQ(doc["dropped_metrics"].size(), 1u);
  EXPECT_EQ(doc["dropped_metrics"][0]["name"], read(long_run)["metrics"][0]["name"]);
  EXPECT_EQ(doc["dropped_metrics"][0]["missing_from"], json::array({"fewer.json"}));
  EXPECT_EQ(doc["metrics"].size(), a.metrics.size() - 1);
  // Lacking from the first report is lacking too (once, only the first report's were seen).
  EXPECT_EQ(make_baseline({b, a})["dropped_metrics"].size(), 1u);
}

TEST(FolderName, IsSafeForPaths) {
  EXPECT_EQ(folder_name("NVIDIA H100 80GB HBM3"), "NVIDIA_H100_80GB_HBM3");
  EXPECT_EQ(folder_name("../x"), "___x");
  EXPECT_EQ(folder_name(""), "unknown_gpu");
}

// The committed H100 gate (session 2): the baseline of two full runs and a third run.
// Comparing them here gives what `gpuparity compare` gave on the GPU machine, metric by
// metric. (The shipped baseline has since been rebuilt for the current workload defaults.)
TEST(Compare, ReproducesTheCommittedH100Gate) {
  const std::string base_path = runs + "gate-baseline.json";
  const auto base = load_measurements(base_path, "container");
  EXPECT_EQ(base.kind, "baseline");
  const auto cand = load_measurements(runs + "gate-run.report.json", "container");
  const auto cmp = compare_measurements(base, cand, class_margins{});
  const auto committed = read(runs + "gate-run.comparison.json");
  EXPECT_EQ(cmp["verdict"], committed["verdict"]);
  ASSERT_EQ(cmp["metrics"].size(), committed["metrics"].size());
  for (std::size_t i = 0; i < cmp["metrics"].size(); ++i) {
    EXPECT_EQ(cmp["metrics"][i]["name"], committed["metrics"][i]["name"]);
    EXPECT_EQ(cmp["metrics"][i]["verdict"], committed["metrics"][i]["verdict"]);
    EXPECT_DOUBLE_EQ(cmp["metrics"][i]["ratio"].get<double>(),
                     committed["metrics"][i]["ratio"].get<double>());
  }
  // No metric regressed; the run's own report carries the same comparison.
  for (const auto& m : cmp["metrics"]) EXPECT_NE(m["verdict"], "regression") << m["name"];
  EXPECT_EQ(read(runs + "gate-run.report.json")["baseline_comparison"]["verdict"], cmp["verdict"]);
}

}  // namespace
}  // namespace gpuparity::harness
