// The evidence the decision gets beyond verdict counts, from trials made by hand.
#include "judge.hpp"

#include <gtest/gtest.h>

#include <iostream>
#include <stdexcept>
#include <tuple>

#include "made_trial.hpp"
#include "stats.hpp"

namespace gpuparity::harness {
namespace {

using test::made_trial;

evidence evidence_of(const std::vector<trial>& trials) {
  const auto samples = collect(trials, {});
  const judged j = judge(samples, run_options{});
  return gather_evidence(trials, samples, j, nlohmann::ordered_json::array(), "");
}

const std::map<std::string, std::string> h100 = {{"gpu_name", "NVIDIA H100 80GB HBM3"},
                                                 {"gpu_uuid", "GPU-a"}};

TEST(Evidence, TheSameGpuOnBothSidesIsNoMismatch) {
  EXPECT_TRUE(evidence_of({made_trial(false, h100), made_trial(true, h100)}).mismatched.empty());
}

// A side that names no GPU while the other does proves nothing about the same GPU (in an
// A/A run no audit would say so either).
TEST(Evidence, ASideThatNamesNoGpuIsAMismatch) {
  const auto e = evidence_of({made_trial(false, h100), made_trial(true, {})});
  ASSERT_EQ(e.mismatched.size(), 2u);  // model and UUID
  EXPECT_NE(e.mismatched[0].find("none named"), std::string::npos) << e.mismatched[0];
  EXPECT_EQ(decide_run(e).verdict, "error");
}

TEST(Evidence, AnotherUuidInOneTrialIsAMismatch) {
  auto other = h100;
  other["gpu_uuid"] = "GPU-b";
  auto later = made_trial(true, other);
  later.index = 2;
  const auto e = evidence_of({made_trial(false, h100), made_trial(true, h100), later});
  ASSERT_EQ(e.mismatched.size(), 1u);
  EXPECT_NE(e.mismatched[0].find("GPU UUID"), std::string::npos) << e.mismatched[0];
}

}  // namespace
// The sequential rule's plan: samples beyond it are not looked at, and a metric still
// inconclusive at its planned size on both sides is final (not open: the run may stop).
metric_samples spread_samples(std::size_t n, bool per_process) {
  metric_samples s;
  s.kind = {
      "latency/launch:latency_seconds", "latency_seconds", metric_class::latency, false, 0, -1};
  s.per_process = per_process;
  for (std::size_t i = 0; i < n; ++i) {  // spread over +-30%: never inside a 5% margin
    s.native.push_back(1.0 + 0.06 * static_cast<double>((i * 7) % 11) - 0.3);
    s.container.push_back(1.0 + 0.06 * static_cast<double>((i * 5 + 3) % 11) - 0.3);
  }
  return s;
}

TEST(SequentialPlan, AMetricAtItsPlannedSizeIsFinalAndCappedThere) {
  run_options o;
  o.planned_trials = 5;
  o.processes_per_trial = 4;
  for (bool per_process : {false, true}) {
    const std::size_t planned = 5;  // a sample is a trial either way
    {
      const judged j = judge({{"m", spread_samples(planned - 1, per_process)}}, o);
      EXPECT_EQ(j.inconclusive, 1) << j.metrics.dump();
      EXPECT_EQ(j.open, 1) << "short of the plan: a later look may settle it";
      EXPECT_FALSE(j.metrics[0]["rule"]["last_look"].get<bool>());
    }
    const judged j = judge({{"m", spread_samples(planned + 7, per_process)}}, o);
    EXPECT_EQ(j.inconclusive, 1);
    EXPECT_EQ(j.open, 0);
    EXPECT_TRUE(j.closed.count("m"));
    EXPECT_EQ(j.metrics[0]["native"]["n"], planned) << "samples beyond the plan are not looked at";
    EXPECT_EQ(j.metrics[0]["container"]["n"], planned);
    EXPECT_TRUE(j.metrics[0]["rule"]["last_look"].get<bool>());
    EXPECT_NEAR(j.metrics[0]["rule"]["confidence"].get<double>(), 0.95, 1e-9);
    EXPECT_EQ(j.metrics[0]["rule"]["planned_samples"], planned);
  }
}

TEST(SequentialPlan, TheBudgetSetsThePlanWithinItsBounds) {
  run_options o;
  EXPECT_EQ(planned_trials(o), 15);  // the default 180 s: one per 12 s
  o.budget_s = 120;
  EXPECT_EQ(planned_trials(o), 10);
  o.budget_s = 480;
  EXPECT_EQ(planned_trials(o), 40);
  o.budget_s = 71.9;  // whole trials only
  EXPECT_EQ(planned_trials(o), 5);
  o.budget_s = 30;
  EXPECT_EQ(planned_trials(o), default_planned_trials);
  o.min_trials = 7;  // never fewer than a run must take
  EXPECT_EQ(planned_trials(o), 7);
  o.min_trials = 3;
  o.budget_s = 1e6;
  EXPECT_EQ(planned_trials(o), o.max_trials);
  o.planned_trials = 9;
  EXPECT_EQ(planned_trials(o), 9);
}

// A fanned-out case's processes share their trial's moment (they correlate within a
// trial), so a trial gives one sample: the median of its processes.
TEST(SequentialPlan, AFannedOutTrialIsOneSampleTheMedianOfItsProcesses) {
  std::vector<trial> trials;
  for (bool container : {false, true}) {
    trial t = made_trial(container, h100);
    t.runs.front().out.metrics.clear();
    for (int k = 0; k < 4; ++k)
      t.runs.front().out.metrics.push_back({"latency/launch:latency_seconds", "latency_seconds",
                                            metric_class::latency, false,
                                            k == 3 ? 50e-6 : (8 + k) * 1e-6, k});
    trials.push_back(t);
  }
  const auto samples = collect(trials, {});
  const auto& s = samples.at("latency/launch:latency_seconds");
  ASSERT_EQ(s.native.size(), 1u);
  EXPECT_DOUBLE_EQ(s.native[0], 9.5e-6);  // 8, 9, 10, 50: the slow process does not move it
  EXPECT_TRUE(s.per_process);
  EXPECT_EQ(s.processes, 4);
  const judged j = judge(samples, run_options{});
  EXPECT_EQ(j.metrics[0]["replication_unit"], "trial");
  EXPECT_EQ(j.metrics[0]["processes_per_sample"], 4);
}

// A metric inconclusive at its plan is final (no longer open for the loop), yet the run it
// belongs to must not pass: the decision counts it as undecided.
TEST(SequentialPlan, AMetricFinalAtItsPlanKeepsTheRunFromParity) {
  run_options o;
  o.planned_trials = 5;
  const std::map<std::string, metric_samples> samples = {{"m", spread_samples(5, false)}};
  const judged j = judge(samples, o);
  ASSERT_EQ(j.open, 0);
  std::vector<trial> trials = {made_trial(false, h100), made_trial(true, h100)};
  for (auto& t : trials) t.runs.front().out.metrics.clear();  // only "m" was measured
  const evidence e = gather_evidence(trials, samples, j, nlohmann::ordered_json::array(), "");
  EXPECT_EQ(e.open, 1);
  EXPECT_NE(decide_run(e).verdict, "parity");
  EXPECT_EQ(decide_run(e).verdict, "inconclusive");
}

namespace {

// Host-observed metrics (plan.hpp process_unit: the three round trips, their submission
// cost, startup/*) are judged in pairs, the k-th native sample with the k-th container one;
// every other metric as independent samples. The report says which.
metric_samples samples_of(const std::string& name, const std::string& counter, metric_class cls,
                          bool higher, std::vector<double> native, std::vector<double> container) {
  metric_samples s;
  s.kind = {name, counter, cls, higher, 0, -1};
  s.native = std::move(native);
  s.container = std::move(container);
  for (std::size_t i = 0; i < s.native.size(); ++i) s.native_trial.push_back(static_cast<int>(i) + 1);
  for (std::size_t i = 0; i < s.container.size(); ++i)
    s.container_trial.push_back(static_cast<int>(i) + 1);
  return s;
}

const nlohmann::ordered_json& metric_named(const judged& j, const std::string& name) {
  for (const auto& m : j.metrics)
    if (m["name"] == name) return m;
  throw std::runtime_error("no metric " + name);
}

TEST(PairedJudgement, HostObservedMetricsAreComparedInPairs) {
  const std::vector<double> a = {9.0e-6, 9.4e-6, 8.8e-6, 9.9e-6, 9.1e-6};
  const std::vector<double> b = {9.1e-6, 9.3e-6, 9.0e-6, 9.8e-6};  // one sample fewer
  std::map<std::string, metric_samples> samples;
  for (const auto& [name, counter, cls] :
       std::vector<std::tuple<std::string, std::string, metric_class>>{
           {"latency/launch:latency_seconds", "latency_seconds", metric_class::round_trip},
           {"latency/graph_launch:submit_seconds", "submit_seconds", metric_class::host},
           {"startup/first_kernel:seconds", "seconds", metric_class::startup},
           {"latency/device_memory:latency_seconds", "latency_seconds", metric_class::latency},
           {"latency/launch_many:latency_seconds", "latency_seconds", metric_class::latency}})
    samples[name] = samples_of(name, counter, cls, false, a, b);
  samples["latency/launch:latency_seconds"].per_process = true;
  samples["latency/launch:latency_seconds"].processes = 4;
  samples["stream/copy:bytes_per_second"] = samples_of(
      "stream/copy:bytes_per_second", "bytes_per_second", metric_class::bandwidth, true, a, b);
  run_options o;
  o.planned_trials = 10;
  const judged j = judge(samples, o);
  ASSERT_EQ(j.metrics.size(), samples.size());
  for (const auto& [name, s] : samples) {
    const auto& m = metric_named(j, name);
    const bool paired = name.rfind("latency/launch:", 0) == 0 ||
                        name.rfind("latency/graph_launch:", 0) == 0 ||
                        name.rfind("startup/", 0) == 0;
    EXPECT_EQ(paired_metric(s), paired) << name;
    EXPECT_EQ(m["comparison"], paired ? "paired" : "independent") << name;
    // Its interval is that comparison's, at the look's confidence: for a paired metric the
    // look of its 4 complete pairs; the independent ones count 5 and 4.
    const sequential_look look = paired ? look_at(4, 4, 10) : look_at(5, 4, 10);
    EXPECT_NEAR(m["rule"]["confidence"].get<double>(), look.confidence, 1e-12) << name;
    const auto r = paired ? paired_ratio(a, b, s.kind.higher_is_better, look.confidence)
                          : welch_ratio(a, b, s.kind.higher_is_better, look.confidence);
    ASSERT_TRUE(r.defined) << name;
    EXPECT_DOUBLE_EQ(m["ci_low"].get<double>(), r.low) << name;
    EXPECT_DOUBLE_EQ(m["ci_high"].get<double>(), r.high) << name;
    // The independent ones report every sample; a paired one its complete pairs, and the
    // sample left without its pair.
    EXPECT_EQ(m["native"]["n"], paired ? 4 : 5) << name;
    EXPECT_EQ(m.value("unmatched_samples", 0), paired ? 1 : 0) << name;
  }
}

// A host's moment that moves both sides: natively 1.0, 1.0, 1.2, 1.2 (x 10 us) over four
// pairs, the container within a pair 0-2% slower. In pairs the drift cancels and the
// round trip's 10% margin is shown (parity); as independent samples the drift is noise and
// Welch's interval at the same confidence reaches beyond the margin (inconclusive).
TEST(PairedJudgement, ADriftBothSidesShareCancelsInPairs) {
  const std::vector<double> native = {10e-6, 10e-6, 12e-6, 12e-6};
  const std::vector<double> container = {10.1e-6, 10.2e-6, 12.0e-6, 12.12e-6};
  const std::string name = "latency/launch:latency_seconds";
  run_options o;
  o.planned_trials = 4;  // the last look: 95%
  const judged j = judge({{name, samples_of(name, "latency_seconds", metric_class::round_trip,
                                            false, native, container)}},
                         o);
  const auto& m = metric_named(j, name);
  EXPECT_EQ(m["comparison"], "paired");
  EXPECT_NEAR(m["rule"]["confidence"].get<double>(), 0.95, 1e-9);
  EXPECT_EQ(m["verdict"], "parity") << m.dump();
  const auto paired = paired_ratio(native, container, false, 0.95);
  const auto welch = welch_ratio(native, container, false, 0.95);
  std::cout << "paired [" << paired.low << ", " << paired.high << "], Welch [" << welch.low << ", "
            << welch.high << "]\n";
  EXPECT_EQ(decide(paired, 0.10), verdict::parity);
  EXPECT_EQ(decide(welch, 0.10), verdict::inconclusive);
  EXPECT_NEAR(paired.estimate, welch.estimate, 1e-12);  // the same estimate, another spread
  EXPECT_GT(paired.low, 0.97);
  EXPECT_LT(welch.low, 0.90);
}

// A host-class metric (informational) that got twice as slow goes to the audit, which may
// explain it, but never counts toward the run's verdict.
TEST(InformationalMetrics, AWorseOneReachesTheAuditNotTheVerdict) {
  const std::vector<double> native = {3.0e-6, 3.01e-6, 2.99e-6, 3.0e-6, 3.02e-6};
  const std::vector<double> container = {6.0e-6, 6.02e-6, 5.98e-6, 6.0e-6, 6.01e-6};
  const std::string name = "latency/launch:submit_seconds";
  run_options o;
  o.planned_trials = 5;
  const judged j = judge(
      {{name, samples_of(name, "submit_seconds", metric_class::host, false, native, container)}}, o);
  const auto& m = metric_named(j, name);
  EXPECT_EQ(m["verdict"], "degraded") << m.dump();
  EXPECT_EQ(m["decides"], false);
  EXPECT_EQ(j.degraded.count(name), 1u);
  EXPECT_EQ(j.degraded_count, 0);
  // What the decision reads: no deciding metric judged, none worse.
  const evidence e = gather_evidence({}, {}, j, nlohmann::ordered_json::array(), "");
  EXPECT_EQ(e.worse, 0);
  EXPECT_EQ(e.judged, 0);
}

// A budget that ended in the warm-ups (a node-wide run of 30 s whose NCCL warm-ups took 18):
// nothing measured to judge is too short a budget, inconclusive, not a metric that vanished
// (an error) and never a pass; one measured trial on each side ends that exemption.
TEST(Evidence, ABudgetThatEndedInTheWarmUpIsInconclusive) {
  auto warm_native = made_trial(false, h100), warm_container = made_trial(true, h100);
  warm_native.index = warm_container.index = 0;
  const std::vector<trial> warm = {warm_native, warm_container};
  const auto samples = collect(warm, {});
  EXPECT_TRUE(samples.empty());
  const judged j = judge(samples, run_options{});
  const evidence e = gather_evidence(warm, samples, j, nlohmann::ordered_json::array(), "");
  EXPECT_TRUE(e.warmup_only);
  EXPECT_TRUE(e.vanished.empty());
  const decision d = decide_run(e);
  EXPECT_EQ(d.verdict, "inconclusive");
  EXPECT_EQ(d.exit_code, 3);
  EXPECT_NE(d.reason.find("--budget"), std::string::npos) << d.reason;
  // A warm-up error still wins.
  EXPECT_EQ(decide_run(gather_evidence(warm, samples, j, nlohmann::ordered_json::array(),
                                       "container trial: exited 5"))
                .verdict,
            "error");
  // With a measured trial, a metric measured only in the warm-up is an error again.
  auto later = made_trial(false, h100);
  later.runs[0].out.metrics[0].name = "stream/scale:bytes_per_second";
  const std::vector<trial> mixed = {warm_native, warm_container, later};
  const auto s2 = collect(mixed, {});
  const evidence e2 =
      gather_evidence(mixed, s2, judge(s2, run_options{}), nlohmann::ordered_json::array(), "");
  EXPECT_FALSE(e2.warmup_only);
  EXPECT_EQ(decide_run(e2).verdict, "error");
}

// One sample a side has no spread: the metric says to run more trials, not that the estimate
// lies outside the margin.
TEST(SequentialPlan, OneSampleASideAsksForMoreTrialsNotTheImpossible) {
  const std::string name = "stream/copy:bytes_per_second";
  const judged j = judge({{name, samples_of(name, "bytes_per_second", metric_class::bandwidth, true,
                                            {3.0e12}, {3.01e12})}},
                         run_options{});
  const auto& m = metric_named(j, name);
  EXPECT_EQ(m["verdict"], "inconclusive");
  EXPECT_FALSE(m.contains("trials_needed")) << m.dump();
}

}  // namespace
}  // namespace gpuparity::harness
