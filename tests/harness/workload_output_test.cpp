// Parsing real workload outputs captured on an H100 and on a machine without a GPU.
#include "workload_output.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
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
  // startup/* and the host-observed round trips are classes of their own (their own
  // margins), the other timings latency. This recording predates submit_seconds.
  const std::set<std::string> round_trips = {"latency/launch:latency_seconds",
                                             "latency/graph_launch:latency_seconds",
                                             "latency/memcpy_h2d_small:latency_seconds"};
  int timings = 0;
  for (const auto& m : w.metrics) {
    if (m.counter == "latency_seconds" || m.counter == "seconds") {
      ++timings;
      EXPECT_FALSE(m.higher_is_better) << m.name;
      EXPECT_EQ(m.cls, m.name.rfind("startup/", 0) == 0 ? metric_class::startup
                       : round_trips.count(m.name)      ? metric_class::round_trip
                                                        : metric_class::latency)
          << m.name;
    } else {
      EXPECT_TRUE(m.higher_is_better) << m.name;
    }
  }
  EXPECT_EQ(timings, 5);  // four latency cases and one startup case
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

// A workload's JSON with one hostile case among good ones: the bad case is that case's
// failure (status "error", the field named), never a judged number, never an exception.
TEST(WorkloadOutput, WrongTypesAndNonFiniteRatesAreTheCasesFailure) {
  const std::string good = R"({"run_name": "good/iterations:1", "bytes_per_second": 1e9})";
  const std::pair<const char*, const char*> cases[] = {
      {R"({"run_name": "x", "error_occurred": "yes", "bytes_per_second": 1e9})", "error_occurred"},
      {R"({"run_name": "x", "skipped": 1, "bytes_per_second": 1e9})", "skipped"},
      {R"({"run_name": "x", "run_type": 7, "bytes_per_second": 1e9})", "run_type"},
      {R"({"run_name": 5, "bytes_per_second": 1e9})", "run_name"},
      {R"({"name": ["x"], "bytes_per_second": 1e9})", "name"},
      {R"({"run_name": "x", "error_occurred": true, "error_message": 3})", "error_message"},
      {R"({"run_name": "x", "bytes_per_second": "fast"})", "bytes_per_second is string"},
      {R"({"run_name": "x", "latency_seconds": null})", "latency_seconds is null"},
      {R"({"run_name": "x", "flop_per_second": true})", "flop_per_second is boolean"},
      {R"({"run_name": "x", "seconds": 0})", "seconds is 0"},
      {R"({"run_name": "x", "latency_seconds": -2e-6})", "latency_seconds is -2e-06"},
      {R"(5)", "is number, not an object"},
      {R"("text")", "is string, not an object"}};
  for (const auto& [bad, why] : cases) {
    workload_output w;
    try {
      w = parse_workload_output(R"({"benchmarks": [)" + good + ", " + bad + "]}");
    } catch (const std::exception& e) {
      ADD_FAILURE() << bad << ": threw " << e.what();
      continue;
    }
    EXPECT_TRUE(w.parsed) << bad;
    EXPECT_EQ(w.metrics.size(), 1u) << bad;  // the good case only
    if (w.failures.size() != 1u) {
      ADD_FAILURE() << bad << ": " << w.failures.size() << " failures, not 1";
      continue;
    }
    EXPECT_EQ(w.failures[0].status, "error") << bad;
    EXPECT_NE(w.failures[0].message.find(why), std::string::npos) << w.failures[0].message;
  }
  // Already parsed documents may hold what JSON text cannot: infinity, NaN.
  for (double v :
       {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    nlohmann::ordered_json doc = {{"benchmarks", {{{"run_name", "x"}, {"bytes_per_second", v}}}}};
    const auto w = workload_output_from_json(doc);
    EXPECT_TRUE(w.metrics.empty());
    ASSERT_EQ(w.failures.size(), 1u);
    EXPECT_NE(w.failures[0].message.find("not a positive finite number"), std::string::npos);
  }
}

// A round trip's submission cost is the host CPU's speed (it moved 30% within a run with the
// host's moment): class host, 10% and informational unless --judge-host, not latency's 5%.
TEST(Classify, RoundTripsAreTheirOwnClassAndTheirSubmissionCostIsHost) {
  for (const char* c : {"latency/launch", "latency/graph_launch", "latency/memcpy_h2d_small"}) {
    EXPECT_EQ(classify(c, "latency_seconds"), metric_class::round_trip) << c;
    EXPECT_EQ(classify(c, "submit_seconds"), metric_class::host) << c;
  }
  class_margins judged_host;
  EXPECT_FALSE(judged_host.decides(classify("latency/launch", "submit_seconds")));
  EXPECT_EQ(judged_host.of(classify("latency/launch", "submit_seconds")), 0.10);
  judged_host.judge_host = true;  // --judge-host
  EXPECT_TRUE(judged_host.decides(classify("latency/launch", "submit_seconds")));
  // A latency the GPU alone measures, a prefix of a round trip's name, startup and host.
  EXPECT_EQ(classify("latency/device_memory", "latency_seconds"), metric_class::latency);
  EXPECT_EQ(classify("latency/launch_many", "latency_seconds"), metric_class::latency);
  EXPECT_EQ(classify("startup/first_kernel", "seconds"), metric_class::startup);
  EXPECT_EQ(classify("copy/h2d_pageable", "bytes_per_second"), metric_class::host);
  EXPECT_STREQ(metric_class_name(metric_class::round_trip), "round_trip");
  const class_margins m;
  EXPECT_EQ(m.of(metric_class::round_trip), 0.10);
  EXPECT_EQ(m.of(metric_class::latency), 0.05);
  EXPECT_EQ(m.of(metric_class::startup), 0.15);
  EXPECT_TRUE(m.decides(metric_class::round_trip));
  class_margins tighter;
  tighter.round_trip = 0.07;  // --margin-round-trip
  EXPECT_EQ(tighter.of(metric_class::round_trip), 0.07);
  EXPECT_EQ(tighter.of(metric_class::latency), 0.05);
}

// The node-wide families (docs/workloads.md): GPU-to-GPU copy bandwidth and NCCL bus bandwidth
// are bandwidths (higher is better); the peer copy's latency is GPU-timed (CUDA events), so the
// latency class, lower is better, not a host round trip. Their side counters are not judged.
TEST(Classify, PeerAndNcclCases) {
  EXPECT_EQ(classify("peer/bandwidth/0to1", "bytes_per_second"), metric_class::bandwidth);
  EXPECT_EQ(classify("peer/latency/1to0", "latency_seconds"), metric_class::latency);
  EXPECT_EQ(classify("nccl/all_reduce/268435456", "bytes_per_second"), metric_class::bandwidth);
  EXPECT_EQ(classify("nccl/all_gather/8388608", "bytes_per_second"), metric_class::bandwidth);
  EXPECT_TRUE(counter_higher_is_better("bytes_per_second"));
  EXPECT_FALSE(counter_higher_is_better("latency_seconds"));
  const auto judged = counter_names();
  for (const char* side : {"busbw_bytes_per_second", "algbw_bytes_per_second", "link_nvlink",
                           "p2p_performance_rank", "nccl_version"})
    EXPECT_EQ(std::count_if(judged.begin(), judged.end(),
                            [side](const char* c) { return std::string(c) == side; }),
              0)
        << side;
}

// The recorded H100 run with what gpuparity-bench now adds to its three host-observed round
// trips (bench/latency_cases.cpp, report_round_trip): submit_seconds and
// submit_median_seconds beside latency_seconds, Google Benchmark counters at the top level
// of each case's entry.
nlohmann::ordered_json with_submit_seconds() {
  auto doc = nlohmann::ordered_json::parse(data("h100-gpuparity-bench.json"));
  for (auto& b : doc["benchmarks"])
    for (const char* c : {"latency/launch/", "latency/graph_launch/", "latency/memcpy_h2d_small/"})
      if (b["run_name"].get<std::string>().rfind(c, 0) == 0) {
        b["submit_seconds"] = 0.25 * b["latency_seconds"].get<double>();
        b["submit_median_seconds"] = 0.24 * b["latency_seconds"].get<double>();
      }
  return doc;
}

TEST(WorkloadOutput, SubmitSecondsIsASecondMetricOfARoundTrip) {
  const auto w = workload_output_from_json(with_submit_seconds());
  ASSERT_TRUE(w.parsed);
  EXPECT_TRUE(w.failures.empty());
  ASSERT_EQ(w.metrics.size(), 31u);  // 28, and one for each round trip
  std::map<std::string, metric_value> by_name;
  for (const auto& m : w.metrics) by_name[m.name] = m;
  for (const std::string c :
       {"latency/launch", "latency/graph_launch", "latency/memcpy_h2d_small"}) {
    ASSERT_TRUE(by_name.count(c + ":submit_seconds")) << c;
    ASSERT_TRUE(by_name.count(c + ":latency_seconds")) << c;
    const auto& submit = by_name[c + ":submit_seconds"];
    const auto& trip = by_name[c + ":latency_seconds"];
    EXPECT_EQ(submit.counter, "submit_seconds");
    EXPECT_EQ(submit.cls, metric_class::host) << c;  // the host CPU's speed
    EXPECT_FALSE(submit.higher_is_better) << c;
    EXPECT_DOUBLE_EQ(submit.value, 0.25 * trip.value) << c;  // the mean, not the median
    EXPECT_EQ(trip.cls, metric_class::round_trip) << c;
  }
  EXPECT_FALSE(by_name.count("latency/launch:submit_median_seconds"));  // reported, not judged
  EXPECT_FALSE(by_name.count("latency/device_memory:submit_seconds"));
  // Fanned out over processes, each process's entry gives both metrics with its index.
  auto doc = with_submit_seconds();
  for (auto& b : doc["benchmarks"]) b["process_index"] = 3;
  for (const auto& m : workload_output_from_json(doc).metrics) EXPECT_EQ(m.process, 3) << m.name;
}

// A malformed submit_seconds is its case's failure, as a malformed primary counter is: one
// failure naming it, and no metric of that case judged (not even its good round trip).
TEST(WorkloadOutput, AMalformedSubmitSecondsIsTheCasesFailure) {
  const auto broken = [](const nlohmann::ordered_json& submit,
                         const nlohmann::ordered_json& latency = 9e-6) {
    auto doc = with_submit_seconds();
    for (auto& b : doc["benchmarks"])
      if (b["run_name"].get<std::string>().rfind("latency/launch/", 0) == 0) {
        b["submit_seconds"] = submit;
        b["latency_seconds"] = latency;
      }
    return workload_output_from_json(doc);
  };
  const std::pair<nlohmann::ordered_json, const char*> cases[] = {
      {"fast", "submit_seconds is string, not a number"},
      {nullptr, "submit_seconds is null, not a number"},
      {true, "submit_seconds is boolean, not a number"},
      {0, "submit_seconds is 0, not a positive finite number"},
      {-2e-6, "submit_seconds is -2e-06, not a positive finite number"},
      {std::numeric_limits<double>::quiet_NaN(), "submit_seconds is nan, not a positive"},
      {std::numeric_limits<double>::infinity(), "submit_seconds is inf, not a positive"}};
  for (const auto& [submit, why] : cases) {
    const auto w = broken(submit);
    ASSERT_EQ(w.failures.size(), 1u) << submit;
    EXPECT_EQ(w.failures[0].case_name, "latency/launch");
    EXPECT_EQ(w.failures[0].status, "error");
    EXPECT_NE(w.failures[0].message.find(why), std::string::npos) << w.failures[0].message;
    EXPECT_EQ(w.metrics.size(), 29u) << submit;  // 31 less both of latency/launch
    for (const auto& m : w.metrics) EXPECT_NE(m.name.rfind("latency/launch:", 0), 0u) << m.name;
  }
  // A good submission cost beside a malformed round trip is no metric either; two malformed
  // counters are one failure of the case.
  for (const auto& w : {broken(2e-6, "slow"), broken("fast", 0)}) {
    ASSERT_EQ(w.failures.size(), 1u);
    EXPECT_NE(w.failures[0].message.find("latency_seconds is"), std::string::npos)
        << w.failures[0].message;
    EXPECT_EQ(w.metrics.size(), 29u);
  }
}

// Output that nlohmann::json cannot read at all is "not JSON", not an exception: a number
// beyond a double, invalid UTF-8 in a string, binary.
TEST(WorkloadOutput, UnreadableOutputIsNotJsonNotAnException) {
  for (const std::string& text :
       {std::string(R"({"benchmarks": [{"run_name": "x", "bytes_per_second": 1e400}]})"),
        std::string("{\"benchmarks\": [{\"run_name\": \"caf\xc3\x28\"}]}"),
        std::string("\x00\xff\xfe\x01", 4)}) {
    workload_output w;
    EXPECT_NO_THROW(w = parse_workload_output(text)) << text;
    EXPECT_FALSE(w.parsed);
    EXPECT_NE(w.parse_error.find("not JSON"), std::string::npos) << w.parse_error;
  }
}

}  // namespace
}  // namespace gpuparity::harness
