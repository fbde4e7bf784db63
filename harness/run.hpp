#pragma once
// `gpuparity run`: interleaved native and container trials, per-metric equivalence
// verdicts, the audit, and the JSON report.
#include <string>
#include <vector>

#include "runtime.hpp"

namespace gpuparity::harness {

// Exit codes of the gpuparity CLI (README.md).
enum harness_exit : int {
  exit_parity = 0,
  exit_degraded = 1,
  exit_usage = 2,
  exit_inconclusive = 3,
  exit_error = 4,
};

struct run_options {
  container_config container;
  bool native_vs_native = false;  // A/A: both sides run natively
  std::string bench_path;         // native gpuparity-bench ("" : next to gpuparity)
  std::string torch_path;         // native gpuparity-torch ("" : next to gpuparity, if built)
  std::string programs = "auto";  // auto | bench | torch | bench,torch
  std::string filter;             // --benchmark_filter for the workloads
  std::vector<std::string> workload_args;
  double budget_s = 120.0;
  int min_trials = 3;   // measured trials per side before a verdict may stop the run
  int max_trials = 40;  // per side
  double trial_timeout_s = 300.0;
  double margin_bandwidth = 0.02, margin_compute = 0.02, margin_latency = 0.05;
  std::string output = "gpuparity-report.json";
  bool dry_run = false;
  std::vector<std::string> argv;  // the command line, for the report
  std::string self_path;          // this executable, to find the workload programs
};

int run_parity(const run_options& o);

}  // namespace gpuparity::harness
