#pragma once
// `gpuparity run`: interleaved native and container trials, per-metric equivalence
// verdicts, the audit, and the JSON report.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "runtime.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

// Exit codes of the gpuparity CLI (README.md).
enum harness_exit : int {
  exit_parity = 0,
  exit_degraded = 1,
  exit_usage = 2,
  exit_inconclusive = 3,
  exit_error = 4,
  exit_not_comparable = 5,  // compare / --baseline: different GPU models, no common metric
  // run stopped by a signal: this plus the signal, 129 SIGHUP, 130 SIGINT, 143 SIGTERM
  // (the shell's convention), after its workloads and containers were killed and its
  // report written.
  exit_interrupted_base = 128,
};

struct run_options {
  container_config container;
  bool native_vs_native = false;  // A/A: both sides run natively
  std::string bench_path;         // native gpuparity-bench ("" : next to gpuparity)
  std::string torch_path;         // native gpuparity-torch ("" : next to gpuparity, if built)
  std::string programs = "auto";  // auto | bench | torch | bench,torch
  std::string filter;             // --benchmark_filter for the workloads
  std::vector<std::string> workload_args;
  double budget_s = 180.0;
  int min_trials = 3;   // measured trials per side before a verdict may stop the run
  int max_trials = 40;  // per side
  // The sequential rule's plan (stats.hpp): measured trials per side at the last look (a
  // sample is a trial, for fanned-out cases the median of its processes). 0: from the
  // budget (planned_trials below).
  int planned_trials = 0;
  double trial_timeout_s = 300.0;
  class_margins margins;
  std::string output = "gpuparity-report.json";
  std::string baseline;    // a baseline or report to compare the container side with ("": none)
  std::string junit;       // also write JUnit XML here ("": no)
  std::string prometheus;  // also write the Prometheus text format here ("": no)
  bool telemetry = true;   // sample the GPU through NVML while trials run
  bool focus = true;       // after a look, trials run only the cases whose verdict is open
  int processes_per_trial = 4;  // fresh processes per trial for process-unit cases (plan.hpp);
                                // 0: they run inside the trial's process like the others
  double telemetry_period_s = 0.1;
  bool dry_run = false;
  bool quiet = false;  // --quiet: no progress lines on stderr (warnings and errors still)
  std::vector<std::string> argv;  // the command line, for the report
  std::string self_path;          // this executable, to find the workload programs
};

int run_parity(const run_options& o);

// The native gpuparity-bench a run would start (--bench, else next to gpuparity); "" if none.
std::string native_bench_path(const run_options& o);

// The plan of the sequential rule (planned_trials in judge.hpp). With --planned-trials it
// is the user's. Otherwise the scheduler fixes it once the first measured pair has run,
// before any look, from that pair's cost alone (never from a measured value): the pairs the
// rest of the budget holds at that cost (planned_from_cost), so the last look, which spends
// the whole alpha at 95%, comes before the budget ends. (A plan from the budget alone, one
// trial per 12 s, ended the H100 runs of 2026-12-07 at 4 of 10 planned trials, every look
// at 99.6% or more: trial pairs cost 23 s while GEMMs stayed open.) Until then, and in
// what a run prints before it starts, the budget's estimate below stands in.
inline constexpr double seconds_per_planned_trial = 12.0;
inline constexpr int min_planned_trials = 4;
inline constexpr int default_planned_trials = 5;
// The plan from the first measured pair's cost: the pairs measured so far plus as many as
// the rest of the budget holds at pair_s each, at least o.min_trials, at most o.max_trials.
int planned_from_cost(const run_options& o, int measured_pairs, double elapsed_s, double pair_s);

// The exit code of a run with a baseline: the worse of the parity and regression codes
// (error, then degraded/regression, then not comparable, then inconclusive, then 0).
int combined_exit_code(int parity_code, int regression_code);

// Writes the JUnit / Prometheus renderings of a document to the paths given ("" skips);
// returns the first error message, or "".
std::string write_renderings(const nlohmann::ordered_json& doc, const std::string& junit,
                             const std::string& prometheus, const std::string& markdown = "",
                             const std::string& html = "");

}  // namespace gpuparity::harness
