#pragma once
// The trial scheduler: pairs of trials A B B A ..., the first of each side a discarded
// warm-up, a look after each pair once min_trials are measured, until every deciding metric
// is conclusive, the budget is spent or a trial fails. Without --planned-trials the rule's
// plan is fixed after the first measured pair, from its cost (planned_from_cost). With focus, the pairs after a look
// that settled a metric run only the families still open; both sides of a pair always run
// the same cases, the pair's second trial with its fanned-out invocation first (so the
// host-observed samples judge pairs are neighbours in time). The same loop serves a real run (trials from runner) and `gpuparity
// simulate` (trials resampled from recorded reports, on a simulated clock).
#include <functional>
#include <string>
#include <vector>

#include "judge.hpp"
#include "plan.hpp"
#include "run.hpp"
#include "trial.hpp"

namespace gpuparity::harness {

struct trial_source {
  // Runs (or makes up) one side's trial of the plan.
  std::function<trial(bool container, int index, const std::vector<planned_program>& plan)> run;
  // Seconds since the run started: the real clock, or a simulated one.
  std::function<double()> elapsed;
  // Whether the run must stop now (a signal); may be empty.
  std::function<bool()> stop_requested;
  // Called after each trial (progress, telemetry); may be empty.
  std::function<void(const trial&)> after_trial;
};

struct schedule_result {
  std::vector<trial> trials;
  frozen_counts frozen;      // metrics that stopped taking samples, with their counts
  double last_pair_s = 0.0;  // the last pair's seconds: what one more pair would cost
  std::string error;         // the first failed trial ("" if none)
  // The options the looks judged with: o, its plan (planned_trials) fixed after the first
  // measured pair from that pair's cost where the user set none (run.hpp).
  run_options judged_with;
  double plan_pair_s = 0.0;  // > 0: the first measured pair's seconds set the plan
};

schedule_result schedule_trials(const run_options& o, const std::vector<program>& programs,
                                const trial_source& source);

}  // namespace gpuparity::harness
