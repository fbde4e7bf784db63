#include "schedule.hpp"

#include <algorithm>

namespace gpuparity::harness {

namespace {

// The invocations of a pair's trial in the order it runs them: the fanned-out ones (host
// latency, startup) last in the pair's first trial and first in its second, so the two
// sides' host-observed samples, which judge compares in pairs, are taken next to each
// other in time.
std::vector<planned_program> in_pair_order(const std::vector<planned_program>& plan,
                                           bool first_of_pair) {
  std::vector<planned_program> ordered = plan;
  std::stable_partition(ordered.begin(), ordered.end(), [first_of_pair](const planned_program& p) {
    return (p.processes > 0) != first_of_pair;
  });
  return ordered;
}

}  // namespace

schedule_result schedule_trials(const run_options& o, const std::vector<program>& programs,
                                const trial_source& source) {
  schedule_result s;
  s.judged_with = o;
  std::vector<planned_program> plan = warm_up_plan(programs, o);
  bool focused = false;
  const auto stop = [&] { return source.stop_requested && source.stop_requested(); };
  for (int pair = 0, per_side = 0; per_side < o.max_trials + 1; ++pair, ++per_side) {
    const double pair_start = source.elapsed();
    if (stop() || (pair > 0 && pair_start + s.last_pair_s > o.budget_s)) break;
    for (bool container : {pair % 2 == 1, pair % 2 == 0}) {
      const bool first_of_pair = container == (pair % 2 == 1);
      s.trials.push_back(source.run(container, per_side, in_pair_order(plan, first_of_pair)));
      const trial& t = s.trials.back();
      if (source.after_trial) source.after_trial(t);
      if (!t.error.empty() && s.error.empty())
        s.error = std::string(container ? "container" : "native") + " trial: " + t.error;
      // After a failure the other side still runs in the first pair, so the report and
      // the audit have both sides' evidence; later failures stop at once.
      if (stop() || (!s.error.empty() && pair > 0)) break;
    }
    // The next pair runs the same cases or fewer: this pair's time is its estimate.
    s.last_pair_s = source.elapsed() - pair_start;
    if (!s.error.empty()) break;
    // After the warm-up: cases named exactly, process-unit cases fanned out (plan.hpp).
    if (pair == 0)
      plan = split_plan(programs, measured_cases(s.trials), nullptr, o);
    // The first measured pair ran every case: its cost fixes the plan, before any look.
    if (pair == 1 && o.planned_trials <= 0) {
      s.judged_with.planned_trials =
          planned_from_cost(o, per_side, source.elapsed(), s.last_pair_s);
      s.plan_pair_s = std::max(s.last_pair_s, 1e-6);
    }
    if (per_side < o.min_trials) continue;
    const judged j = judge(collect(s.trials, s.frozen), s.judged_with);
    if (j.open == 0 && !j.metrics.empty()) break;  // nothing a later look could change
    if (o.focus && (focused || j.settled > 0)) {
      focused = true;
      s.frozen.insert(j.closed.begin(), j.closed.end());  // the first count stays
      plan = split_plan(programs, measured_cases(s.trials), &j.open_families, o, &j.open_cases);
    }
  }
  return s;
}

}  // namespace gpuparity::harness
