#include "judge.hpp"

#include <algorithm>
#include <cmath>

#include "json_util.hpp"
#include "plan.hpp"
#include "stats.hpp"
#include "verify.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;
using gpuparity::median;

std::map<std::string, metric_samples> collect(const std::vector<trial>& trials,
                                              const frozen_counts& frozen) {
  std::map<std::string, metric_samples> m;
  for (const auto& t : trials) {
    if (t.index == 0 || !t.error.empty()) continue;  // warm-ups are discarded
    for (const auto& r : t.runs) {
      std::map<std::string, std::map<int, std::vector<double>>> values;  // name -> process
      for (const auto& v : r.out.metrics) {
        auto& s = m[v.name];
        s.kind = v;
        s.program = r.program;
        values[v.name][v.process].push_back(v.value);
      }
      for (const auto& [name, by_process] : values) {
        auto& s = m[name];
        auto& side = t.container ? s.container : s.native;
        const auto f = frozen.find(name);
        if (f != frozen.end() && side.size() >= (t.container ? f->second.second : f->second.first))
          continue;
        // One sample per trial. A fanned-out case's processes share the trial's moment
        // (their values correlate within a trial: intra-class correlation 0.2-0.4 on the
        // H100), so they are one sample together: the median of its processes' values,
        // which a rare slow process does not move.
        std::vector<double> per_process;
        for (const auto& [process, vs] : by_process) per_process.push_back(median(vs));
        s.per_process |= by_process.begin()->first >= 0;
        s.processes = std::max(s.processes, static_cast<int>(per_process.size()));
        side.push_back(median(per_process));
        (t.container ? s.container_trial : s.native_trial).push_back(t.index);
        if (t.throttling) ++(t.container ? s.throttled_container : s.throttled_native);
      }
    }
  }
  return m;
}

bool paired_metric(const metric_samples& s) {
  return process_unit(s.kind.name.substr(0, s.kind.name.rfind(':')));
}

int planned_trials(const run_options& o) {
  if (o.planned_trials > 0) return o.planned_trials;
  const int by_budget = static_cast<int>(std::floor(o.budget_s / seconds_per_planned_trial));
  return std::min(o.max_trials, std::max({default_planned_trials, o.min_trials, by_budget}));
}

int planned_from_cost(const run_options& o, int measured_pairs, double elapsed_s, double pair_s) {
  const double left = o.budget_s - elapsed_s;
  const double more = pair_s > 0.0 && left > 0.0 ? std::floor(left / pair_s) : 0.0;
  const double planned = measured_pairs + std::min(more, static_cast<double>(o.max_trials));
  return std::clamp(static_cast<int>(planned), std::min(o.min_trials, o.max_trials), o.max_trials);
}

json rule_json(const run_options& o, double plan_pair_s) {
  json r = {{"name", "group-sequential equivalence test"},
            {"interval",
             "ratio of geometric means with Student's t: Welch's for independent samples, "
             "over the pairs' log-ratios for paired ones (host latency, startup)"},
            {"boundary", "O'Brien-Fleming-shaped: a look with a fraction t of the planned "
                         "information uses z(1 - alpha/2) / sqrt(t)"},
            {"alpha_per_side", sequential_alpha},
            {"final_confidence", final_look_confidence},
            {"planned_trials", planned_trials(o)},
            {"planned_trials_from", o.planned_trials > 0 && plan_pair_s > 0.0
                                        ? "the first measured pair"
                                    : o.planned_trials > 0 ? "--planned-trials"
                                                           : "the budget"}};
  if (plan_pair_s > 0.0) r["plan_pair_seconds"] = plan_pair_s;
  r["processes_per_trial"] = o.processes_per_trial;
  return r;
}

namespace {
// The first n samples (in the order they were measured): no look goes beyond the plan.
std::vector<double> first(const std::vector<double>& v, std::size_t n) {
  return {v.begin(), v.begin() + static_cast<std::ptrdiff_t>(std::min(n, v.size()))};
}

// A paired metric's pairs: the native and container samples of the same trial index (the
// neighbours of one pair of trials), in trial order, the first `planned` of them. A trial
// whose value one side lacks (a case that reported nothing there without failing) leaves
// its pair out rather than shifting every later pair onto a trial that is not its neighbour.
struct matched_pairs {
  std::vector<double> native, container;
  std::size_t unmatched = 0;  // samples of either side without their pair
};
matched_pairs match_pairs(const metric_samples& s, std::size_t planned) {
  // The first sample of each trial; samples given without their trials (not collect's)
  // are the 1st, 2nd, ... trial's.
  const auto by_trial = [](const std::vector<double>& v, const std::vector<int>& trials) {
    std::map<int, double> at;
    const bool known = trials.size() == v.size();
    for (std::size_t i = 0; i < v.size(); ++i)
      at.emplace(known ? trials[i] : static_cast<int>(i) + 1, v[i]);
    return at;
  };
  const auto native_at = by_trial(s.native, s.native_trial);
  const auto container_at = by_trial(s.container, s.container_trial);
  matched_pairs p;
  for (const auto& [trial, v] : native_at) {
    const auto c = container_at.find(trial);
    if (c == container_at.end()) {
      ++p.unmatched;
      continue;
    }
    if (p.native.size() >= planned) continue;
    p.native.push_back(v);
    p.container.push_back(c->second);
  }
  for (const auto& [trial, v] : container_at) p.unmatched += native_at.count(trial) ? 0 : 1;
  return p;
}
}  // namespace

judged judge(const std::map<std::string, metric_samples>& samples, const run_options& o) {
  judged j;
  const auto planned = static_cast<std::size_t>(planned_trials(o));
  for (const auto& [name, s] : samples) {
    if (s.native.empty() || s.container.empty()) continue;
    const double margin = o.margins.of(s.kind.cls);
    const bool decides = o.margins.decides(s.kind.cls);
    const bool paired = paired_metric(s);
    const matched_pairs matched = paired ? match_pairs(s, planned) : matched_pairs{};
    const auto native = paired ? matched.native : first(s.native, planned);
    const auto container = paired ? matched.container : first(s.container, planned);
    const sequential_look look = look_at(native.size(), container.size(), planned);
    const auto r =
        paired ? paired_ratio(native, container, s.kind.higher_is_better, look.confidence)
               : welch_ratio(native, container, s.kind.higher_is_better, look.confidence);
    const verdict v = decide(r, margin);
    // At the planned size on both sides the verdict is final, conclusive or not.
    const bool last_look = native.size() >= planned && container.size() >= planned;
    const std::string case_name = name.substr(0, name.rfind(':'));
    const std::string family = case_name.substr(0, case_name.find('/'));
    if (decides && v == verdict::inconclusive) ++j.inconclusive;
    if (decides && v == verdict::inconclusive && !last_look) {
      ++j.open;
      j.open_families[s.program].insert(family);
      j.open_cases.insert(case_name);
    } else {
      j.closed[name] = {native.size(), container.size()};
      if (decides && v != verdict::inconclusive) ++j.settled;
    }
    // Informational metrics that got worse go to the audit too (a finding may explain them)
    // but never count toward the verdict.
    if (v == verdict::degraded) {
      j.degraded[name] = metric_class_name(s.kind.cls);
      if (decides) ++j.degraded_count;
    }
    json m = metric_identity(s.kind);
    m["margin"] = margin;
    m["decides"] = decides;
    m["replication_unit"] = "trial";
    m["comparison"] = paired ? "paired" : "independent";
    if (paired && matched.unmatched > 0) m["unmatched_samples"] = matched.unmatched;
    if (s.per_process) m["processes_per_sample"] = s.processes;
    m["native"] = {{"median", median(native)}, {"n", native.size()}, {"samples", native}};
    m["container"] = {
        {"median", median(container)}, {"n", container.size()}, {"samples", container}};
    put_interval(m, r);
    m["ratio_of_medians"] = r.ratio_of_medians;
    m["verdict"] = verdict_name(v);
    m["rule"] = {{"planned_samples", planned},
                 {"information", look.information},
                 {"confidence", look.confidence},
                 {"last_look", last_look}};
    // Below 2 samples a side there is no spread to plan from: no trials_needed (the summary
    // then says to run more trials), never "outside the margin".
    if (v == verdict::inconclusive && native.size() >= 2 && container.size() >= 2) {
      const int n = paired ? pairs_needed_for_parity(native, container, r.estimate, margin,
                                                     final_look_confidence, &r)
                           : trials_needed_for_parity(native, container, r.estimate, margin,
                                                      final_look_confidence, &r);
      m["trials_needed"] = n > 0 ? json(n) : json(nullptr);
    }
    m["throttled_trials"] = {{"native", s.throttled_native}, {"container", s.throttled_container}};
    j.metrics.push_back(m);
  }
  return j;
}
evidence gather_evidence(const std::vector<trial>& trials,
                         const std::map<std::string, metric_samples>& samples, const judged& j,
                         const json& audit_findings, const std::string& error,
                         const gpu_selection& selected) {
  evidence e;
  e.error = error;
  for (const auto& [name, s] : samples)
    if (s.native.empty() != s.container.empty()) e.missing.push_back(name);
  // A run whose budget ended in the warm-up measured nothing to judge: that is too short a
  // budget (inconclusive), not a metric that vanished.
  e.warmup_only = !trials.empty() && std::none_of(trials.begin(), trials.end(),
                                                  [](const trial& t) { return t.index > 0; });
  // A metric the warm-up measured that no judged trial did (the workload stopped reporting
  // it, on both sides) would otherwise leave the verdict without a word.
  std::set<std::string> vanished;
  if (!e.warmup_only)
    for (const auto& t : trials)
      for (const auto& r : t.runs)
        for (const auto& v : r.out.metrics)
          if (!samples.count(v.name)) vanished.insert(v.name);
  e.vanished.assign(vanished.begin(), vanished.end());
  // Every trial's GPU, per side: the model and the UUID must be one and the same, and the
  // one the user selected by UUID (gpu_selection.hpp).
  e.mismatched = identify_gpus(trials, selected).mismatched;
  auto gaps = audit_gaps_of(audit_findings);
  e.audit_errors = std::move(gaps.errors);
  e.disturbed = std::move(gaps.disturbed);
  for (const auto& m : j.metrics) {
    if (!m["decides"].get<bool>()) continue;
    ++e.judged;
    const auto v = m["verdict"].get<std::string>();
    if (v == "degraded") ++e.worse;
    if (v == "inconclusive") ++e.open;
  }
  return e;
}

json missing_metrics_json(const std::map<std::string, metric_samples>& samples,
                          const std::vector<std::string>& missing) {
  json a = json::array();
  for (const auto& name : missing)
    a.push_back({{"name", name},
                 {"measured_on", samples.at(name).native.empty() ? "container" : "native"},
                 {"explained", false}});
  return a;
}

}  // namespace gpuparity::harness
