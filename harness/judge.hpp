#pragma once
// Judging: the samples each metric has on each side, the verdict of each, and the
// evidence the one decision (decision.hpp) needs beyond the verdicts.
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "decision.hpp"
#include "gpu_selection.hpp"
#include "run.hpp"
#include "trial.hpp"

namespace gpuparity::harness {

struct metric_samples {
  metric_value kind;
  std::string program;  // the workload program that measures it
  std::vector<double> native, container;
  std::vector<int> native_trial, container_trial;  // each sample's trial index
  int throttled_native = 0, throttled_container = 0;  // samples from throttled trials
  bool per_process = false;  // its case ran fanned out over processes (plan.hpp): each
                             // sample is the median of a trial's processes
  int processes = 0;         // the most processes behind one sample
};

// Samples per side at which a metric stopped taking samples (settled, or informational
// when trials became focused): later trials may still run its case, but do not count.
using frozen_counts = std::map<std::string, std::pair<std::size_t, std::size_t>>;

// Every metric's samples per side, warm-ups and failed trials left out. A sample is a
// trial, or a process where the run fanned its cases out over processes; repetitions
// inside one process (--benchmark_repetitions) share its state, so they count as their
// median.
std::map<std::string, metric_samples> collect(const std::vector<trial>& trials,
                                              const frozen_counts& frozen);

struct judged {
  nlohmann::ordered_json metrics = nlohmann::ordered_json::array();
  std::map<std::string, std::string> degraded;  // name -> class; informational ones too
  int inconclusive = 0, degraded_count = 0;
  int open = 0;     // inconclusive deciding metrics short of their planned samples: a later
                    // look may still settle them (the others' verdicts are final)
  int settled = 0;  // deciding metrics with a conclusive verdict
  // program -> families ("gemm" of "gemm/cublaslt/fp16/8192") with an inconclusive deciding
  // metric
  std::map<std::string, std::set<std::string>> open_families;
  std::set<std::string> open_cases;  // cases with an inconclusive deciding metric
  frozen_counts closed;              // settled or informational metrics, with their sample counts
};

// Whether a metric's sides are compared in pairs (stats.hpp paired_ratio): the host-observed
// cases (process_unit in plan.hpp: round trips, their submission cost, startup), whose
// trials follow the host CPU's moment; the k-th trial of each side are neighbours in time
// (schedule.hpp's order). The others are compared as independent samples (welch_ratio):
// their trials showed no such drift, and pairing would halve their degrees of freedom.
bool paired_metric(const metric_samples& s);

// The sequential rule's plan: measured trials per side at its last look (o.planned_trials,
// or from the budget: run.hpp).
int planned_trials(const run_options& o);

// The decision rule and its plan, as the report and `simulate` describe it; plan_pair_s > 0:
// the scheduler set o.planned_trials from the first measured pair, which took that long.
nlohmann::ordered_json rule_json(const run_options& o, double plan_pair_s = 0.0);

// Each metric measured on both sides: its interval, verdict and report entry.
judged judge(const std::map<std::string, metric_samples>& samples, const run_options& o);

// What the decision needs beyond the verdict counts: metrics measured on one side only,
// GPUs that differ between (or within) the sides or from the one selected by UUID
// (--gpus; simulate, which replays recorded trials, selects none), and audit findings of
// severity error.
evidence gather_evidence(const std::vector<trial>& trials,
                         const std::map<std::string, metric_samples>& samples, const judged& j,
                         const nlohmann::ordered_json& audit_findings, const std::string& error,
                         const gpu_selection& selected = {});

// The report's missing_metrics: each with the side that measured it.
nlohmann::ordered_json missing_metrics_json(const std::map<std::string, metric_samples>& samples,
                                            const std::vector<std::string>& missing);

}  // namespace gpuparity::harness
