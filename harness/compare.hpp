#pragma once
// `gpuparity compare` (regression gate) and `gpuparity baseline` (pooled reference runs).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "measurements.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

inline constexpr int comparison_schema_version = 1;
inline constexpr int baseline_schema_version = 1;

// "No regression" and "regression" are one-sided claims (ratio above / below 1 - margin),
// each tested at the 5% level: the bounds of the two-sided 90% interval. (`run`'s parity is
// two-sided and uses the 99% interval: final_look_confidence.)
inline constexpr double comparison_confidence = 0.90;

// Per metric: the candidate's performance relative to the baseline (ratio, 90% interval,
// same statistics as `run`) and a regression verdict; metrics found in one only are
// listed. Comparability: a different GPU model, or one not named, makes the two not
// comparable; a different max SM clock, power limit or ECC mode is a warning; a different
// driver is noted (it is usually what is being tested). The verdict is decide_comparison's
// (decision.hpp): a metric only in the baseline or a failed case of either is an error,
// one only in the candidate inconclusive at best. The document's "verdict" is
// no_regression, regression, inconclusive, not_comparable or error, "exit_code" the
// matching CLI code (README.md) and "verdict_reason" why it is not a pass (null for one).
// candidate_filter: the --filter the candidate ran with; the baseline's metrics it left
// out are unjudged (inconclusive at best) instead of missing (an error).
nlohmann::ordered_json compare_measurements(const measurement_set& baseline,
                                            const measurement_set& candidate,
                                            const class_margins& margins,
                                            const std::string& candidate_filter = "");

// A baseline from one or more runs on the same GPU model: per metric, every run's samples
// pooled (what `compare` tests against), each run's median, and their spread. A metric
// that only some runs measured is left out and listed in "dropped_metrics" with the runs
// that lack it. Throws measurement_error when the runs were measured on different (or
// unnamed) GPU models, or one of them had a failed case or an audit error.
nlohmann::ordered_json make_baseline(const std::vector<measurement_set>& runs);

// The samples a baseline's metric should have to judge a default run, which settles most
// metrics at 3 trials a side: compare's 90% rank interval over 3 candidate samples needs at
// least 4 baseline ones to exist, and is wide at 4-5. On the H100 runs of 2026-12-07 a
// baseline of one run (3 a metric) judged 7-11 of 26 metrics, one of two runs (6 or more)
// all 26 in each of six later runs (results/README.md).
constexpr std::size_t baseline_samples_wanted = 6;

// The metrics of a baseline document with fewer than baseline_samples_wanted samples, and
// the fewest any has; what `gpuparity baseline` warns about.
struct thin_metrics {
  std::size_t count = 0, fewest = 0;
  std::string example;
};
thin_metrics thin_baseline_metrics(const nlohmann::ordered_json& baseline);

}  // namespace gpuparity::harness
