// `gpuparity simulate`: the committed reports resampled through run's own loop.
#include "simulate.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>

#include "json_check.hpp"
#include "judge.hpp"
#include "json_util.hpp"
#include "plan.hpp"
#include "schedule.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

const std::string long_report =
    std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/parity-podman-long.report.json";
const std::string triad = "stream/triad:bytes_per_second";

simulate_options small(int runs, std::vector<std::string> power = {triad}) {
  simulate_options o;
  o.runs = runs;
  o.rule.budget_s = 420.0;
  o.power_metrics = std::move(power);
  return o;
}

const json& scenario(const json& doc, const std::string& name) {
  for (const auto& s : doc["scenarios"])
    if (s["name"] == name) return s;
  throw std::runtime_error("no scenario " + name);
}

const json& metric(const json& list, const std::string& name) {
  for (const auto& m : list)
    if (m["name"] == name) return m;
  throw std::runtime_error("no metric " + name);
}

std::string write_temp(const std::string& name, const json& doc) {
  const std::string path = ::testing::TempDir() + name;
  std::ofstream(path) << dump_document(doc);
  return path;
}

// The committed report with every sample replaced: each metric's samples within +-0.1%
// of its native median on both sides (tight), and per-case seconds when asked.
json tight_report() {
  json doc = read_json_file(long_report);
  for (auto& m : doc["metrics"]) {
    const double base = m["native"]["median"].get<double>();
    for (const char* side : {"native", "container"}) {
      auto& s = m[side]["samples"];
      for (std::size_t i = 0; i < s.size(); ++i)
        s[i] = base * (1.0 + 0.001 * (static_cast<double>(i % 5) - 2.0) / 2.0);
      m[side]["median"] = base;
    }
  }
  return doc;
}

TEST(Simulate, SameSeedSameDocumentWhateverTheThreads) {
  const auto r = load_recorded({long_report});
  auto o = small(6);
  o.threads = 1;
  const json a = simulate(r, {long_report}, o);
  o.threads = 3;
  EXPECT_EQ(simulate(r, {long_report}, o), a);
  EXPECT_EQ(simulation_table(simulate(r, {long_report}, o)), simulation_table(a));
  o.seed += 1;
  EXPECT_NE(simulate(r, {long_report}, o)["scenarios"], a["scenarios"]);
  EXPECT_EQ(a["kind"], "gpuparity-simulation");
  EXPECT_EQ(a["schema_version"], 1);
  EXPECT_TRUE(a["cost_model"]["coarse"].get<bool>());  // the report has no case_seconds
}

TEST(Simulate, EqualSidesRarelySayDegraded) {
  const auto r = load_recorded({long_report});
  const json doc = simulate(r, {long_report}, small(40));
  const json equal = scenario(doc, "equal");  // a copy: GCC 13 warns of a dangling reference
  EXPECT_LE(equal["p_any_degraded"].get<double>(), 0.1);
  for (const auto& m : equal["metrics"]) EXPECT_LE(m["p_degraded"].get<double>(), 0.1) << m["name"];
  // The runs stop within the budget (plus at most the pair that crossed it).
  EXPECT_LE(equal["seconds"]["p90"].get<double>(), 420.0 + 40.0);
  EXPECT_GT(equal["seconds"]["median"].get<double>(), 0.0);
}

TEST(Simulate, PowerFindsASlowdownOfATightMetricAndNoneWithoutShift) {
  const auto r = load_recorded({long_report});
  auto o = small(30);
  o.shift = 3.0;
  const json big = metric(simulate(r, {long_report}, o)["power"]["metrics"], triad);
  EXPECT_GE(big["p_degraded"].get<double>(), 0.95);
  EXPECT_GE(big["p_run_not_parity"].get<double>(), 0.95);
  EXPECT_NEAR(big["slowdown"].get<double>(), 0.06, 1e-12);
  o.shift = 0.0;
  const json none = metric(simulate(r, {long_report}, o)["power"]["metrics"], triad);
  EXPECT_LE(none["p_degraded"].get<double>(), 0.1);
}

TEST(Simulate, ATightReportSettlesParityInNearlyEveryRun) {
  const std::string path = write_temp("tight.report.json", tight_report());
  const auto r = load_recorded({path});
  auto o = small(20);
  o.rule.planned_trials = 5;
  const json doc = simulate(r, {path}, o);
  for (const char* s : {"equal", "as_recorded"}) {
    EXPECT_GE(scenario(doc, s)["p_parity"].get<double>(), 0.95) << s;
    // Settled at the first look that can give an interval: well before the budget.
    EXPECT_LT(scenario(doc, s)["seconds"]["median"].get<double>(), 200.0) << s;
  }
  // A trial is one sample of each (latency/launch's: the median of its 4 processes). The
  // first look is at 3 trials per side (--min-trials): its Welch interval, wide as it is at
  // that look's confidence (98.9% at 3 of 5, t with about 4 df: +-0.3% here), lies within
  // every margin for samples +-0.1% apart, so every metric settles there, before the plan's 5.
  const json equal = scenario(doc, "equal")["metrics"];
  EXPECT_EQ(metric(equal, "stream/copy:bytes_per_second")["settled_samples"]["native"], 3.0);
  EXPECT_EQ(metric(equal, "latency/launch:latency_seconds")["settled_samples"]["native"], 3.0);
}

// Without --planned-trials the plan is fixed after the first measured pair, from its cost:
// the pairs the rest of the budget holds at that cost. Later pairs run the same cases or
// fewer, so every metric still open when the run ends had its last look (the whole alpha,
// 95%): a budget-only plan had ended real runs at 4 of 10 planned trials, at 99.6%.
TEST(Simulate, ThePlanFitsTheBudgetAtTheFirstMeasuredPairsCost) {
  const auto r = load_recorded({long_report});
  run_options rule;
  rule.budget_s = 180.0;  // these recorded pairs cost 28 s: a plan of 5, not the budget's 15
  const draw_fn native_pool = [](const recorded_metric& x, bool, sim_rng& g, draw_slot) {
    return x.native[g.below(x.native.size())];
  };
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    synthetic_source src(r, native_pool, seed);
    const schedule_result s = schedule_trials(rule, r.programs, src.source());
    ASSERT_GE(s.trials.size(), 4u);
    const trial& pair_end = s.trials[3];  // the first measured pair: trials 2 and 3
    ASSERT_EQ(pair_end.index, 1);
    const double pair_s = pair_end.t_end - s.trials[2].t_start;
    EXPECT_NEAR(s.plan_pair_s, pair_s, 1e-9);
    const int planned = s.judged_with.planned_trials;
    EXPECT_EQ(planned, planned_from_cost(rule, 1, pair_end.t_end, pair_s));
    EXPECT_EQ(planned, 1 + static_cast<int>(std::floor((180.0 - pair_end.t_end) / pair_s)));
    EXPECT_GT(planned, rule.min_trials);
    EXPECT_LT(planned, planned_trials(rule)) << "the budget alone would plan 15 here";
    const judged j = judge(collect(s.trials, s.frozen), s.judged_with);
    EXPECT_EQ(j.open, 0) << "seed " << seed << ": a metric ended short of its plan";
    for (const auto& m : j.metrics) {
      EXPECT_EQ(m["rule"]["planned_samples"], planned);
      if (m["verdict"] == "inconclusive" && m["decides"].get<bool>()) {
        EXPECT_TRUE(m["rule"]["last_look"].get<bool>()) << m["name"];
      }
    }
    EXPECT_EQ(rule_json(s.judged_with, s.plan_pair_s)["planned_trials_from"],
              "the first measured pair");
  }
  // The user's plan stands.
  rule.planned_trials = 9;
  synthetic_source src(r, native_pool, 4);
  const schedule_result s = schedule_trials(rule, r.programs, src.source());
  EXPECT_EQ(s.judged_with.planned_trials, 9);
  EXPECT_EQ(s.plan_pair_s, 0.0);
  EXPECT_EQ(rule_json(s.judged_with, s.plan_pair_s)["planned_trials_from"], "--planned-trials");
}

TEST(SequentialPlan, FromTheFirstPairsCostWithinItsBounds) {
  run_options o;  // 3 to 40 trials
  o.budget_s = 120;
  EXPECT_EQ(planned_from_cost(o, 1, 11.0 + 23.0, 23.0), 1 + 3);  // 86 s left: 3 more pairs
  EXPECT_EQ(planned_from_cost(o, 1, 20.0, 20.0), 1 + 5);
  EXPECT_EQ(planned_from_cost(o, 1, 20.0, 0.5), o.max_trials);     // cheap pairs: the cap
  EXPECT_EQ(planned_from_cost(o, 1, 119.0, 30.0), o.min_trials);  // never below --min-trials
  EXPECT_EQ(planned_from_cost(o, 1, 200.0, 30.0), o.min_trials);  // budget spent
  o.min_trials = 7;
  EXPECT_EQ(planned_from_cost(o, 1, 20.0, 20.0), 7);
  o.min_trials = o.max_trials = 2;
  EXPECT_EQ(planned_from_cost(o, 1, 20.0, 20.0), 2);
}

// Two runs of a tight metric whose levels differ by 10% (a warmer GPU that day), each run's
// sides alike: pooled raw, each simulated side would mix the two levels and never show
// parity; centred on each run's native median, both runs are the tight runs they were.
TEST(Simulate, RunsAtDifferentLevelsAreCentredNotPooledAsNoise) {
  json high = tight_report();
  for (auto& m : high["metrics"])
    for (const char* side : {"native", "container"})
      for (auto& v : m[side]["samples"]) v = v.get<double>() * 1.10;
  const std::string a = write_temp("level-a.report.json", tight_report());
  const std::string b = write_temp("level-b.report.json", high);
  const auto r = load_recorded({a, b});
  for (const auto& [name, m] : r.metrics)
    for (double v : m.native) ASSERT_NEAR(v, 1.0, 0.002) << name;  // relative to its run
  auto o = small(20);
  o.rule.planned_trials = 5;
  const json doc = simulate(r, {a, b}, o);
  EXPECT_GE(scenario(doc, "equal")["p_parity"].get<double>(), 0.95);
}

// With case_seconds recorded, a trial costs its start, each case and each invocation's
// overhead: 10 measured trials of 0.25 + 0.5 + cases x 1 s; a warm-up what it cost (7 s).
TEST(Simulate, CostModelAddsStartCasesAndInvocation) {
  json doc = tight_report();
  std::size_t cases = 0;
  for (auto& t : doc["trials"]) {
    t["start_cost_seconds"] = 0.25;
    t["wall_seconds"] = 7.0;  // only the warm-ups' is read
    for (auto& p : t["programs"]) {
      json cs = json::object();
      for (const auto& [name, v] : p["metrics"].items()) cs[name.substr(0, name.rfind(':'))] = 1.0;
      cases = cs.size();
      p["case_seconds"] = cs;
      p["seconds"] = static_cast<double>(cs.size()) + 0.5;
    }
  }
  const std::string path = write_temp("costed.report.json", doc);
  const auto r = load_recorded({path});
  EXPECT_FALSE(r.cost.coarse);
  auto o = small(2);
  o.rule.processes_per_trial = 0;
  o.rule.focus = false;
  o.rule.min_trials = o.rule.max_trials = 5;
  o.rule.budget_s = 1e6;
  const json out = simulate(r, {path}, o);
  ASSERT_GT(cases, 20u);
  EXPECT_NEAR(scenario(out, "as_recorded")["seconds"]["median"].get<double>(),
              10 * (0.25 + 0.5 + static_cast<double>(cases)) + 2 * 7.0, 1e-6);
}

// A paired metric's two sides in one simulated pair come from one recorded pair. The
// recorded pairs of the host-observed cases lie far apart in level (x1 to x128 from pair to
// pair, the host's moment), while within a pair the container is within 0.1% of native:
// drawn as pairs both members share the level and every simulated run settles parity; drawn
// from the pools, a simulated pair would mix levels up to 128x apart and never could.
json report_with_far_apart_pairs() {
  json doc = tight_report();
  for (auto& m : doc["metrics"]) {
    const std::string name = m["name"];
    if (!process_unit(name.substr(0, name.rfind(':')))) continue;
    const double base = m["native"]["median"].get<double>();
    auto& native = m["native"]["samples"];
    auto& container = m["container"]["samples"];
    for (std::size_t i = 0; i < native.size(); ++i) {
      const double level =
          base * std::ldexp(1.0, static_cast<int>(i % 8)) * (1.0 + 1e-4 * static_cast<double>(i));
      native[i] = level;
      container[i] = level * (1.0 + 0.001 * (static_cast<double>(i % 3) - 1.0));
    }
  }
  return doc;
}

TEST(Simulate, APairedMetricsSidesComeFromOneRecordedPair) {
  const std::string path = write_temp("far-apart-pairs.report.json", report_with_far_apart_pairs());
  const auto r = load_recorded({path});
  const std::string launch = "latency/launch:latency_seconds";
  const auto& m = r.metrics.at(launch);
  ASSERT_TRUE(m.paired);
  ASSERT_EQ(m.pair_native.size(), 20u);
  ASSERT_EQ(m.pair_container.size(), 20u);
  EXPECT_FALSE(r.metrics.at("stream/copy:bytes_per_second").paired);
  EXPECT_TRUE(r.metrics.at("stream/copy:bytes_per_second").pair_native.empty());
  for (std::size_t k = 0; k < 20; ++k) {
    const double ratio = 1.0 + 0.001 * (static_cast<double>(k % 3) - 1.0);
    EXPECT_NEAR(m.pair_container[k] / m.pair_native[k], ratio, 1e-12) << k;
    // The equal container: the report's container-vs-native difference (the geometric mean
    // of the ratios) taken out.
    double log_sum = 0.0;
    for (std::size_t i = 0; i < 20; ++i)
      log_sum += std::log1p(0.001 * (static_cast<double>(i % 3) - 1.0));
    EXPECT_NEAR(m.pair_container_equal[k] / m.pair_native[k], ratio / std::exp(log_sum / 20), 1e-12)
        << k;
  }
  // Through the run's own loop, drawing as the as-recorded scenario does: at every measured
  // index the two sides' values are one recorded pair's, and the pairs vary between indices.
  run_options rule;
  rule.min_trials = rule.max_trials = rule.planned_trials = 12;
  rule.budget_s = 1e6;
  rule.focus = false;
  const draw_fn as_recorded = [](const recorded_metric& x, bool container, sim_rng& g,
                                 draw_slot slot) {
    if (!x.paired) return x.native[g.below(x.native.size())];
    return container ? x.pair_container[slot.pair] : x.pair_native[slot.pair];
  };
  synthetic_source src(r, as_recorded, 77);
  const auto trials = schedule_trials(rule, r.programs, src.source()).trials;
  std::map<int, double> value[2];
  for (const auto& t : trials)
    for (const auto& run : t.runs)
      for (const auto& v : run.out.metrics)
        if (v.name == launch && t.index > 0) value[t.container][t.index] = v.value;
  ASSERT_EQ(value[0].size(), 12u);
  ASSERT_EQ(value[1].size(), 12u);
  std::set<std::size_t> used;
  for (const auto& [index, native] : value[0]) {
    const auto at = std::find(m.pair_native.begin(), m.pair_native.end(), native);
    ASSERT_NE(at, m.pair_native.end()) << index;
    const auto k = static_cast<std::size_t>(at - m.pair_native.begin());
    used.insert(k);
    EXPECT_EQ(value[1][index], m.pair_container[k]) << "index " << index << ": pair " << k;
  }
  EXPECT_GE(used.size(), 5u);
  // The simulator's own scenarios: every run settles the paired metrics at parity, and the
  // power scenario finds the round trip's slowdown (2 x its 10% margin).
  auto o = small(20, {launch});
  o.rule.planned_trials = 5;
  const json doc = simulate(r, {path}, o);
  for (const char* s : {"equal", "as_recorded"})
    for (const char* name : {"latency/launch:latency_seconds", "startup/first_kernel:seconds",
                             "latency/memcpy_h2d_small:latency_seconds"})
      EXPECT_GE(metric(scenario(doc, s)["metrics"], name)["p_parity"].get<double>(), 0.95)
          << s << " " << name;
  EXPECT_GE(metric(doc["power"]["metrics"], launch)["p_degraded"].get<double>(), 0.95);
}

TEST(Simulate, RefusesWhatItCannotSimulate) {
  const auto r = load_recorded({long_report});
  auto o = small(1, {"copy/h2d_pageable:bytes_per_second"});  // informational
  EXPECT_THROW(simulate(r, {long_report}, o), std::invalid_argument);
  o = small(1, {"no/such:seconds"});
  EXPECT_THROW(simulate(r, {long_report}, o), std::invalid_argument);
  o = small(1);
  o.shift = 20.0;  // 20 x a 5% latency margin: a value of 0
  EXPECT_THROW(simulate(r, {long_report}, o), std::invalid_argument);
  const std::string not_report =
      write_temp("baseline.json", read_json_file(std::string(GPUPARITY_RESULTS) +
                                                 "/NVIDIA_H100_80GB_HBM3/runs/gate-baseline.json"));
  EXPECT_THROW(load_recorded({not_report}), document_error);
  json other = read_json_file(long_report);
  other["sides"]["native"]["gpu_name"] = "NVIDIA H200";
  const std::string h200 = write_temp("h200.report.json", other);
  EXPECT_THROW(load_recorded({long_report, h200}), document_error);
}

}  // namespace
}  // namespace gpuparity::harness
