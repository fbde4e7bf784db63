#pragma once
// Equivalence statistics for native vs container samples of one metric.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace gpuparity::harness {

// Container performance relative to native, oriented so that 1 is equal, < 1 is worse
// and > 1 is better, whether the metric is higher- or lower-is-better.
struct ratio_interval {
  bool defined = false;   // false when the samples are too few for the confidence asked
  double estimate = 0.0;  // performance_ratio: Hodges-Lehmann, the median of all pairwise
                          // ratios; welch_ratio: the ratio of geometric means
  double low = 0.0, high = 0.0;
  double ratio_of_medians = 0.0;
  double confidence = 0.0;  // the confidence [low, high] was computed at
};

// Distribution-free confidence interval for the ratio (Hodges-Lehmann on logarithms,
// with the normal approximation to the Mann-Whitney distribution): deterministic, so a
// report is reproducible from its samples.
ratio_interval performance_ratio(const std::vector<double>& native,
                                 const std::vector<double>& container, bool higher_is_better,
                                 double confidence = 0.95);

// The interval `run` decides with (the sequential rule below): Welch's interval for the
// ratio of geometric means, from the difference of the sides' mean logarithms with the
// Welch-Satterthwaite degrees of freedom; the estimate is the ratio of geometric means.
// Defined from 2 samples per side; identical samples on each side give a point. Unlike the
// rank interval it is defined at any confidence from 2 samples per side, so the sequential
// rule's early, wide looks can already settle a metric whose trials agree to 0.1% (the
// exact rank interval at 99% needs 5 samples per side whatever the spread).
ratio_interval welch_ratio(const std::vector<double>& native, const std::vector<double>& container,
                           bool higher_is_better, double confidence = 0.95);
// The interval for samples taken in pairs, the i-th native with the i-th container one
// (`run`'s trials k of each side are neighbours in time): Student's t on the pairs'
// log-ratios, k - 1 degrees of freedom over the k complete pairs (a side's unmatched
// samples are not used). A state of the machine that lasts longer than a pair (the host
// CPU's speed, which moved host latencies 10-15% within a run on the H200) is in both
// members and cancels. Defined from 2 pairs.
ratio_interval paired_ratio(const std::vector<double>& native,
                            const std::vector<double>& container, bool higher_is_better,
                            double confidence = 0.95);
// Student's t distribution with df degrees of freedom (df > 0, not necessarily whole).
double student_t_cdf(double t, double df);
double student_t_quantile(double p, double df);

// The index k (1-based) of performance_ratio's interval [d_(k), d_(nm+1-k)] among the n*m
// sorted pairwise log-differences d at this confidence; 0 when these counts give none.
std::uint64_t interval_index(std::size_t m, std::size_t n, double confidence);

// The rule `run` decides with: a group-sequential equivalence test. Each metric has a planned
// number of samples per side (planned_samples in run.hpp); `run` looks after every pair of
// trials, and a look that holds a fraction t of the planned information uses the interval at
// z = z(1 - alpha/2) / sqrt(t): an O'Brien-Fleming-shaped boundary. For a statistic that is
// a Brownian motion in the information (the standardised log-ratio under the margin), the
// chance of ever crossing the constant boundary c = z(1 - alpha/2) on [0, 1] is
// 2 (1 - Phi(c)) = alpha (the reflection principle), whatever the number and timing of the
// looks, so each one-sided test of the two (TOST) keeps its alpha = 5%; at the planned
// size the interval is the 95% one. No look goes beyond the plan: a metric that reaches its
// planned samples on both sides keeps its verdict (judge caps the samples there).
// Deterministic: the confidence depends only on the sample counts.
inline constexpr double sequential_alpha = 0.05;  // per one-sided test
struct sequential_look {
  double information = 0.0;  // fraction of the planned information, in (0, 1]
  double confidence = 0.0;   // of this look's two-sided interval
};
sequential_look look_at(std::size_t native, std::size_t container, std::size_t planned);

// The confidence at the planned size (the last look): the report's headline figure.
inline constexpr double final_look_confidence = 1.0 - 2.0 * (sequential_alpha / 2.0);

enum class verdict { parity, degraded, better, inconclusive, error };
const char* verdict_name(verdict v);

// Equivalence test against a margin m (0.02 = 2%):
//   parity: the interval lies within [1-m, 1+m];  degraded: it lies wholly below 1-m;
//   better: wholly above 1+m;  inconclusive: otherwise, or no interval yet.
verdict decide(const ratio_interval& r, double margin);

// trials_needed_for_parity for a paired comparison (paired_ratio): from the spread of the
// pairs' log-ratios, which leaves out what the two members of a pair share.
int pairs_needed_for_parity(const std::vector<double>& native,
                            const std::vector<double>& container, double ratio_estimate,
                            double margin, double confidence = 0.95,
                            const ratio_interval* observed = nullptr);

// Regression test of a candidate against a baseline (non-inferiority, margin m):
//   regression: the interval lies wholly below 1-m;  no_regression: it lies at or above
//   1-m (better included);  improved: wholly above 1+m;  inconclusive: otherwise.
enum class regression_verdict { no_regression, regression, improved, inconclusive };
const char* regression_verdict_name(regression_verdict v);
regression_verdict decide_regression(const ratio_interval& r, double margin);

// For an inconclusive metric: about how many measured trials per side would give an 80%
// chance of an interval at `confidence` inside the margin, given the samples' spread (the
// pooled standard deviation of the log-samples) and the estimated ratio; with `observed`
// (the interval at the current count, at its own confidence) the spread is at least what that
// interval implies, and the answer more than the trials already run. 0 when the estimate
// itself lies outside the margin (more trials cannot show parity) or the spread is unknown.
int trials_needed_for_parity(const std::vector<double>& native,
                             const std::vector<double>& container, double ratio_estimate,
                             double margin, double confidence = 0.95,
                             const ratio_interval* observed = nullptr);

}  // namespace gpuparity::harness
