#pragma once
// Reads a workload program's Google Benchmark JSON: the metrics the harness judges, the
// cases that failed (with their status), and the context (GPU and environment facts).
#include <map>
#include <string>
#include <vector>

namespace gpuparity::harness {

enum class metric_class { bandwidth, compute, latency };
const char* metric_class_name(metric_class c);

struct metric_value {
  std::string name;     // "<case>:<counter>", e.g. "stream/copy:bytes_per_second"
  std::string counter;  // bytes_per_second, flop_per_second, latency_seconds, seconds
  metric_class cls = metric_class::bandwidth;
  bool higher_is_better = true;
  double value = 0.0;
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
};

// "stream/copy/iterations:10/manual_time" -> "stream/copy".
std::string case_name_of(const std::string& run_name);

workload_output parse_workload_output(const std::string& json_text);

}  // namespace gpuparity::harness
