#pragma once
// Reads a workload program's Google Benchmark JSON: the metrics the harness judges, the
// cases that failed (with their status), and the context (GPU and environment facts).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

// host: copies from pageable memory, staged by the driver through host memory; their
// speed is the host's (on the H100 machine 7-15 GB/s between processes pinned to the same
// CPU), so by default they are reported but do not decide the overall verdict.
enum class metric_class { bandwidth, compute, latency, startup, host };
const char* metric_class_name(metric_class c);

// The class of a case's primary counter ("copy/h2d_pageable", "bytes_per_second").
metric_class classify(const std::string& case_name, const std::string& counter);

// Equivalence margins per class (0.02 = 2%), shared by `run` and `compare`.
struct class_margins {
  // startup: a fresh process's cold start (startup/*) varied 164-224 ms within one run on
  // the H100, in groups that follow the machine's state (results/README.md), which 5% cannot
  // resolve in a default run; the container faults that reach it (eager module loading,
  // libraries on a slow filesystem, a CPU quota) cost far more than 10%.
  double bandwidth = 0.02, compute = 0.02, latency = 0.05, startup = 0.10, host = 0.10;
  bool judge_host = false;  // host-class verdicts count toward the overall verdict
  double of(metric_class c) const;
  bool decides(metric_class c) const { return c != metric_class::host || judge_host; }
};

struct metric_value {
  std::string name;     // "<case>:<counter>", e.g. "stream/copy:bytes_per_second"
  std::string counter;  // bytes_per_second, flop_per_second, latency_seconds, seconds
  metric_class cls = metric_class::bandwidth;
  bool higher_is_better = true;
  double value = 0.0;
  int process = -1;  // "process_index" of a run fanned out over processes (--processes); -1: none
};

struct case_failure {
  std::string case_name;
  std::string status;  // incorrect, failed, not_supported, no_device, or "error"
  std::string message;
};

struct workload_output {
  bool parsed = false;
  std::string parse_error;
  std::map<std::string, std::string> context;
  std::vector<metric_value> metrics;
  std::vector<case_failure> failures;
  // Wall seconds of each case, set-up and verification included (gpuparity-bench's
  // case_seconds counter), summed over the processes of a fanned-out run: what a case
  // costs a trial.
  std::map<std::string, double> case_seconds;
};

// "stream/copy/iterations:10/manual_time" -> "stream/copy".
std::string case_name_of(const std::string& run_name);

workload_output parse_workload_output(const std::string& json_text);
workload_output workload_output_from_json(const nlohmann::ordered_json& doc);  // already parsed

}  // namespace gpuparity::harness
