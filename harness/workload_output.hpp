#pragma once
// Reads a workload program's Google Benchmark JSON: the metrics the harness judges, the
// cases that failed (with their status), and the context (GPU and environment facts).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

// host: what measures the host's own speed: copies from pageable memory, staged by the
// driver through host memory (on the H100 machine 7-15 GB/s between processes pinned to
// the same CPU), and the CPU-side cost of submitting a launch or copy (submit_seconds); by
// default they are reported but do not decide the overall verdict.
// round_trip: host-observed round trips of one operation (latency/launch, graph_launch,
// memcpy_h2d_small): the CPU submits, the GPU completes, the CPU sees it.
enum class metric_class { bandwidth, compute, latency, round_trip, startup, host };
const char* metric_class_name(metric_class c);

// The class of a case's primary counter ("copy/h2d_pageable", "bytes_per_second").
metric_class classify(const std::string& case_name, const std::string& counter);
// Whether a case times a host-observed round trip (latency/launch, latency/graph_launch,
// latency/memcpy_h2d_small): its latency_seconds is the round_trip class.
bool round_trip_case(const std::string& case_name);
// Every counter the harness reads from a workload, in order of preference.
std::vector<const char*> counter_names();
// Whether more of this counter is better (rates) or worse (times).
bool counter_higher_is_better(const std::string& counter);

// Equivalence margins per class (0.02 = 2%), shared by `run` and `compare`.
struct class_margins {
  // round_trip and startup are margins the H100 itself reproduces (results/README.md,
  // "Margins"): on one idle H100, natively, minutes apart, a launch round trip's run means
  // ranged 8.4-10.0 us and its trial medians moved 4% within a run (a CUDA context is fast
  // or slow as a whole, 9.0 vs 9.9 us); a fresh process's cold start ranged 153-227 ms,
  // its trial medians 5-9%. Narrower margins cannot be shown in a default run however
  // the trials are spent. The CPU-side faults a container brings (a quota, a busy cpuset)
  // double both. Their samples are compared in pairs (judge.hpp paired_metric).
  double bandwidth = 0.02, compute = 0.02, latency = 0.05, round_trip = 0.10, startup = 0.15,
         host = 0.10;
  bool judge_host = false;  // host-class verdicts count toward the overall verdict
  double of(metric_class c) const;
  bool decides(metric_class c) const { return c != metric_class::host || judge_host; }
};

struct metric_value {
  std::string name;     // "<case>:<counter>", e.g. "stream/copy:bytes_per_second"
  std::string counter;  // bytes_per_second, flop_per_second, tokens_per_second, latency_seconds,
                        // seconds, submit_seconds
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
  // Google Benchmark's "label" of each case that set one (SetLabel), by case name: the
  // peer cases say which link they crossed ("link=nvlink", "link=pcie_p2p", "link=host").
  std::map<std::string, std::string> labels;
  // Every case this output names, measured or failed.
  std::vector<std::string> cases;
};

// "stream/copy/iterations:10/manual_time" -> "stream/copy".
std::string case_name_of(const std::string& run_name);

workload_output parse_workload_output(const std::string& json_text);
workload_output workload_output_from_json(const nlohmann::ordered_json& doc);  // already parsed

}  // namespace gpuparity::harness
