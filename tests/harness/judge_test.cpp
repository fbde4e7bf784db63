// The evidence the decision gets beyond verdict counts, from trials made by hand.
#include "judge.hpp"

#include <gtest/gtest.h>

#include "made_trial.hpp"

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
  EXPECT_EQ(planned_trials(o), 10);  // 120 s: one per 12 s
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

}  // namespace gpuparity::harness
