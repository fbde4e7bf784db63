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
  double estimate = 0.0;  // Hodges-Lehmann: median of all pairwise ratios
  double low = 0.0, high = 0.0;
  double ratio_of_medians = 0.0;
};

// Distribution-free confidence interval for the ratio (Hodges-Lehmann on logarithms,
// with the normal approximation to the Mann-Whitney distribution): deterministic, so a
// report is reproducible from its samples.
ratio_interval performance_ratio(const std::vector<double>& native,
                                 const std::vector<double>& container, bool higher_is_better,
                                 double confidence = 0.95);

// The index k (1-based) of performance_ratio's interval [d_(k), d_(nm+1-k)] among the n*m
// sorted pairwise log-differences d at this confidence; 0 when these counts give none.
std::uint64_t interval_index(std::size_t m, std::size_t n, double confidence);

// The confidence of the interval `run` decides with. The run looks at its verdicts after
// every pair of trials and stops at the first look where all are conclusive; with the
// 95% interval that optional stopping showed parity for a metric exactly on the margin
// in 12% of simulated runs (2.5% for one fixed-size look). At 99% it is about 3.5% over up
// to 40 looks (tests/harness/stats_test.cpp, SequentialStopping): within the 5% per side
// of the conventional two one-sided tests, for about two more trials per side. With the
// exact small-sample distribution it still gives an interval at 5 trials per side.
inline constexpr double parity_confidence = 0.99;

enum class verdict { parity, degraded, better, inconclusive, error };
const char* verdict_name(verdict v);

// Equivalence test against a margin m (0.02 = 2%):
//   parity: the interval lies within [1-m, 1+m];  degraded: it lies wholly below 1-m;
//   better: wholly above 1+m;  inconclusive: otherwise, or no interval yet.
verdict decide(const ratio_interval& r, double margin);

// Regression test of a candidate against a baseline (non-inferiority, margin m):
//   regression: the interval lies wholly below 1-m;  no_regression: it lies at or above
//   1-m (better included);  improved: wholly above 1+m;  inconclusive: otherwise.
enum class regression_verdict { no_regression, regression, improved, inconclusive };
const char* regression_verdict_name(regression_verdict v);
regression_verdict decide_regression(const ratio_interval& r, double margin);

// For an inconclusive metric: about how many measured trials per side would give an 80%
// chance of an interval inside the margin, given the samples' spread (robust, from the median
// absolute deviation of the log-samples about each side's median) and the estimated
// ratio; with `observed` (the interval at the current count) the spread is at least what
// that interval implies, and the answer more than the trials already run. 0 when the estimate
// itself lies outside the margin (more trials cannot show parity) or the spread is unknown.
int trials_needed_for_parity(const std::vector<double>& native,
                             const std::vector<double>& container, double ratio_estimate,
                             double margin, double confidence = 0.95,
                             const ratio_interval* observed = nullptr);

}  // namespace gpuparity::harness
