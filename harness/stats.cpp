#include "stats.hpp"

#include "verify.hpp"  // median: one implementation for the programs and the harness

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace gpuparity::harness {

using gpuparity::median;

const char* verdict_name(verdict v) {
  switch (v) {
    case verdict::parity:
      return "parity";
    case verdict::degraded:
      return "degraded";
    case verdict::better:
      return "better";
    case verdict::inconclusive:
      return "inconclusive";
    case verdict::error:
      return "error";
  }
  return "unknown";
}

namespace {

// Two-sided standard normal quantile for the confidence level (Acklam's approximation
// of the inverse CDF; far more precise than the sample sizes here need).
double z_for(double confidence) {
  const double p = 1.0 - (1.0 - confidence) / 2.0;
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                             1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                             6.680131188771972e+01, -1.328068155288572e+01};
  static const double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                             -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                             3.754408661907416e+00};
  const double q = std::sqrt(-2.0 * std::log(1.0 - p));
  if (p > 0.97575)
    return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
           ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  const double r = p - 0.5, s = r * r;
  return (((((a[0] * s + a[1]) * s + a[2]) * s + a[3]) * s + a[4]) * s + a[5]) * r /
         (((((b[0] * s + b[1]) * s + b[2]) * s + b[3]) * s + b[4]) * s + 1.0);
}


// Every sample a positive, finite number: what a ratio of logarithms can be taken of.
bool positive_finite(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x > 0.0 && std::isfinite(x); });
}

std::vector<double> logs_of(const std::vector<double>& v) {
  std::vector<double> l;
  l.reserve(v.size());
  for (double x : v) l.push_back(std::log(x));
  return l;
}

// The mean of x and the sum of squared deviations from it.
struct moments {
  double mean = 0.0, ss = 0.0;
};
moments moments_of(const std::vector<double>& x) {
  moments m;
  for (double v : x) m.mean += v;
  m.mean /= static_cast<double>(x.size());
  for (double v : x) m.ss += (v - m.mean) * (v - m.mean);
  return m;
}

// log(container) - log(native) of the first min(n1, n2) pairs.
std::vector<double> pair_log_ratios(const std::vector<double>& native,
                                    const std::vector<double>& container) {
  std::vector<double> d;
  for (std::size_t i = 0; i < std::min(native.size(), container.size()); ++i)
    d.push_back(std::log(container[i]) - std::log(native[i]));
  return d;
}

double welch_df(double a, double b, double n1, double n2) {
  return (a + b) * (a + b) / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0));
}

}  // namespace

sequential_look look_at(std::size_t native, std::size_t container, std::size_t planned) {
  sequential_look l;
  if (native == 0 || container == 0 || planned == 0) return l;
  // Two-sample information grows as n1 n2 / (n1 + n2); the plan's is planned / 2.
  const double n1 = static_cast<double>(native), n2 = static_cast<double>(container);
  l.information = std::min(1.0, (n1 * n2 / (n1 + n2)) / (static_cast<double>(planned) / 2.0));
  const double c = z_for(1.0 - sequential_alpha);  // z(1 - alpha/2)
  l.confidence = std::erf(c / std::sqrt(l.information) / std::sqrt(2.0));
  return l;
}

// The index k (1-based) of the Hodges-Lehmann interval [d_(k), d_(mn+1-k)] at this
// confidence: k - 1 is the largest c with P(U <= c) <= alpha/2 under the Mann-Whitney null
// distribution of U. Exact for up to 25 trials per side, where the normal approximation is
// conservative enough to give no interval at all at 99% with 5 trials per side; the normal
// approximation beyond. 0: no interval at this confidence with these counts.
std::uint64_t interval_index(std::size_t m, std::size_t n, double confidence) {
  const double half_alpha = (1.0 - confidence) / 2.0;
  if (m <= 25 && n <= 25) {
    // The counts of U = 0..mn are the coefficients of the Gaussian binomial coefficient
    // [m+n choose m](q) = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i), built factor by factor
    // (each division by 1 - q^i is exact: a running sum with stride i).
    std::vector<double> ways(m * n + 1, 0.0);
    ways[0] = 1.0;
    for (std::size_t i = 1; i <= m; ++i) {
      for (std::size_t u = ways.size(); u-- > n + i;) ways[u] -= ways[u - n - i];
      for (std::size_t u = i; u < ways.size(); ++u) ways[u] += ways[u - i];
    }
    double total = 0.0;
    for (double w : ways) total += w;
    double below = 0.0;
    std::uint64_t k = 0;
    for (std::size_t c = 0; c < ways.size(); ++c) {
      below += ways[c];
      if (below / total > half_alpha) break;
      k = c + 1;
    }
    return k;
  }
  const double mn = static_cast<double>(m) * static_cast<double>(n);
  const double k = std::floor(
      mn / 2.0 - z_for(confidence) * std::sqrt(mn * (static_cast<double>(m + n) + 1.0) / 12.0));
  return k < 1.0 ? 0 : static_cast<std::uint64_t>(k);
}

namespace {

// The n*m pairwise log-differences d = sign * (log c - log n) of the native and container
// samples, without materialising them (100k samples per side would be 80 GB): each side's
// logs sorted, a pair's difference is a_j - b_i, and the k-th smallest is found by bisection
// over the doubles a difference can be, each step counting the pairs at or below a value with
// two pointers in O(n + m). The result is the very double the sorted list held at k.
class pairwise_differences {
 public:
  pairwise_differences(const std::vector<double>& native, const std::vector<double>& container,
                       bool higher_is_better) {
    const double sign = higher_is_better ? 1.0 : -1.0;
    for (double c : container) a_.push_back(sign * std::log(c));
    for (double n : native) b_.push_back(sign * std::log(n));
    std::sort(a_.begin(), a_.end());
    std::sort(b_.begin(), b_.end());
  }

  std::uint64_t size() const { return std::uint64_t{a_.size()} * b_.size(); }

  // The k-th smallest difference, from 0.
  double kth(std::uint64_t k) const {
    std::int64_t lo = order_key(a_.front() - b_.back()), hi = order_key(a_.back() - b_.front());
    while (lo < hi) {  // the smallest value with more than k differences at or below it
      const auto half = (static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo)) / 2;
      const std::int64_t mid = lo + static_cast<std::int64_t>(half);
      if (count_at_most(from_order_key(mid)) > k)
        hi = mid;
      else
        lo = mid + 1;
    }
    return from_order_key(lo);
  }

  // The median, as gpuparity::median computes it over the whole list.
  double median() const {
    const std::uint64_t n = size();
    return n % 2 ? kth(n / 2) : (kth(n / 2 - 1) + kth(n / 2)) / 2.0;
  }

 private:
  // Rounding is monotonic, so a_j - b_i as computed grows with a_j and shrinks with b_i:
  // for each a_j the pairs at or below x are a suffix of b that only moves right.
  std::uint64_t count_at_most(double x) const {
    std::uint64_t count = 0;
    std::size_t i = 0;
    for (double a : a_) {
      while (i < b_.size() && a - b_[i] > x) ++i;
      count += b_.size() - i;
    }
    return count;
  }

  // Finite doubles in order as integers (-0 and +0 as one), and back.
  static std::int64_t order_key(double x) {
    std::int64_t bits;
    std::memcpy(&bits, &x, sizeof bits);
    return bits >= 0 ? bits : std::numeric_limits<std::int64_t>::min() - bits;
  }
  static double from_order_key(std::int64_t key) {
    const std::int64_t bits = key >= 0 ? key : std::numeric_limits<std::int64_t>::min() - key;
    double x;
    std::memcpy(&x, &bits, sizeof x);
    return x;
  }

  std::vector<double> a_, b_;  // sign * log(container), sign * log(native), ascending
};

}  // namespace

ratio_interval performance_ratio(const std::vector<double>& native,
                                 const std::vector<double>& container, bool higher_is_better,
                                 double confidence) {
  ratio_interval r;
  r.confidence = confidence;
  if (native.empty() || container.empty() || !positive_finite(native) ||
      !positive_finite(container))
    return r;
  const pairwise_differences d(native, container, higher_is_better);
  r.estimate = std::exp(d.median());
  const double mc = median(container), mnat = median(native);
  r.ratio_of_medians = higher_is_better ? mc / mnat : mnat / mc;
  const std::uint64_t k = interval_index(native.size(), container.size(), confidence);
  if (k < 1) return r;  // too few samples for this confidence
  r.low = std::exp(d.kth(k - 1));
  r.high = std::exp(d.kth(d.size() - k));
  r.defined = true;
  return r;
}

namespace {
// Regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz).
double incomplete_beta(double a, double b, double x) {
  if (x <= 0.0) return 0.0;
  if (x >= 1.0) return 1.0;
  if (x > (a + 1.0) / (a + b + 2.0)) return 1.0 - incomplete_beta(b, a, 1.0 - x);
  const double front =
      std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) +
               b * std::log1p(-x)) / a;
  const double tiny = 1e-300;
  double f = 1.0, c = 1.0, d = 0.0;
  for (int i = 0; i <= 400; ++i) {
    const int m = i / 2;
    double num;
    if (i == 0)
      num = 1.0;
    else if (i % 2 == 0)
      num = (m * (b - m) * x) / ((a + 2.0 * m - 1.0) * (a + 2.0 * m));
    else
      num = -((a + m) * (a + b + m) * x) / ((a + 2.0 * m) * (a + 2.0 * m + 1.0));
    d = 1.0 + num * d;
    d = std::fabs(d) < tiny ? tiny : d;
    d = 1.0 / d;
    c = 1.0 + num / c;
    c = std::fabs(c) < tiny ? tiny : c;
    f *= c * d;
    if (std::fabs(1.0 - c * d) < 1e-12) break;
  }
  return front * (f - 1.0);
}
}  // namespace

double student_t_cdf(double t, double df) {
  const double tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
  return t >= 0.0 ? 1.0 - tail : tail;
}

double student_t_quantile(double p, double df) {
  if (!(p > 0.0 && p < 1.0) || !(df > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (p < 0.5) return -student_t_quantile(1.0 - p, df);
  double lo = 0.0, hi = 1.0;
  while (student_t_cdf(hi, df) < p && hi < 1e12) hi *= 2.0;
  for (int i = 0; i < 200 && hi - lo > 1e-12 * hi; ++i) {
    const double mid = 0.5 * (lo + hi);
    (student_t_cdf(mid, df) < p ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

namespace {

// The two-sided quantile: the interval at `confidence` reaches this many standard errors.
double t_two_sided(double confidence, double df) {
  return student_t_quantile(1.0 - (1.0 - confidence) / 2.0, df);
}

// From the trials (or pairs) that give an 80% chance of parity, `wanted`, the count a
// report names: at least 4, at most 10^9, and for a metric still inconclusive at `have`
// (observed) more than it has.
int trials_to_name(double wanted, const ratio_interval* observed, std::size_t have) {
  int n = wanted > 1e9 ? 1000000000 : std::max(4, static_cast<int>(wanted));
  if (observed) n = std::max(n, static_cast<int>(have) + 1);
  return n;
}

}  // namespace

ratio_interval welch_ratio(const std::vector<double>& native, const std::vector<double>& container,
                           bool higher_is_better, double confidence) {
  ratio_interval r;
  r.confidence = confidence;
  if (native.empty() || container.empty() || !positive_finite(native) ||
      !positive_finite(container))
    return r;
  const moments n = moments_of(logs_of(native)), c = moments_of(logs_of(container));
  const double d = (higher_is_better ? 1.0 : -1.0) * (c.mean - n.mean);
  r.estimate = std::exp(d);
  const double mcm = median(container), mnm = median(native);
  r.ratio_of_medians = higher_is_better ? mcm / mnm : mnm / mcm;
  if (native.size() < 2 || container.size() < 2) return r;
  const double n1 = static_cast<double>(native.size()), n2 = static_cast<double>(container.size());
  const double a = n.ss / (n1 - 1.0) / n1, b = c.ss / (n2 - 1.0) / n2, se2 = a + b;
  if (!(se2 > 0.0)) {  // identical samples on each side: a point
    r.low = r.high = r.estimate;
    r.defined = true;
    return r;
  }
  const double half = t_two_sided(confidence, welch_df(a, b, n1, n2)) * std::sqrt(se2);
  r.low = std::exp(d - half);
  r.high = std::exp(d + half);
  r.defined = true;
  return r;
}

ratio_interval paired_ratio(const std::vector<double>& native,
                            const std::vector<double>& container, bool higher_is_better,
                            double confidence) {
  ratio_interval r;
  r.confidence = confidence;
  const std::size_t k = std::min(native.size(), container.size());
  if (k == 0) return r;
  const std::vector<double> nk(native.begin(), native.begin() + static_cast<std::ptrdiff_t>(k)),
      ck(container.begin(), container.begin() + static_cast<std::ptrdiff_t>(k));
  if (!positive_finite(nk) || !positive_finite(ck)) return r;
  const moments d = moments_of(pair_log_ratios(nk, ck));
  const double m = (higher_is_better ? 1.0 : -1.0) * d.mean;
  r.estimate = std::exp(m);
  r.ratio_of_medians = higher_is_better ? median(ck) / median(nk) : median(nk) / median(ck);
  if (k < 2) return r;
  const double kd = static_cast<double>(k);
  const double se = std::sqrt(d.ss / (kd - 1.0) / kd);
  const double half = se > 0.0 ? t_two_sided(confidence, kd - 1.0) * se : 0.0;
  r.low = std::exp(m - half);
  r.high = std::exp(m + half);
  r.defined = true;
  return r;
}

int trials_needed_for_parity(const std::vector<double>& native,
                             const std::vector<double>& container, double ratio_estimate,
                             double margin, double confidence, const ratio_interval* observed) {
  if (native.size() < 2 || container.size() < 2 || !(ratio_estimate > 0.0)) return 0;
  const double ss[2] = {moments_of(logs_of(native)).ss, moments_of(logs_of(container)).ss};
  const double z = z_for(confidence);
  const double n1 = static_cast<double>(native.size()), n2 = static_cast<double>(container.size());
  double sigma = std::sqrt((ss[0] + ss[1]) / (n1 + n2 - 2.0));  // pooled
  // The interval actually observed says how wide it is at this count: half-width =
  // q * sigma * sqrt(1/n1 + 1/n2), with q the quantile that interval used: Student's t at its
  // own confidence and Welch's df (welch_ratio). A look before the plan asks for more than
  // the final one: at 3 of 10 planned trials q is 11 to 54, not z = 1.96, and dividing by z
  // made the trials needed 30 to 750 times what the spread implies.
  if (observed && observed->defined && observed->low > 0.0) {
    const double a = ss[0] / (n1 - 1.0) / n1, b = ss[1] / (n2 - 1.0) / n2;
    const double df = a + b > 0.0 ? welch_df(a, b, n1, n2) : n1 + n2 - 2.0;
    const double c = observed->confidence > 0.0 ? observed->confidence : confidence;
    sigma = std::max(sigma, 0.5 * std::log(observed->high / observed->low) /
                                (t_two_sided(c, df) * std::sqrt(1.0 / n1 + 1.0 / n2)));
  }
  const double room = std::log(1.0 + margin) - std::fabs(std::log(ratio_estimate));
  if (!(sigma > 0.0) || !(room > 0.0)) return 0;
  // With n per side the estimate of the log-ratio has a standard error of sigma sqrt(2 / n),
  // and the final interval reaches about z standard errors beyond it. Parity needs
  // |estimate| + z * s <= room; asking for that with an 80% chance (1.2816 more standard
  // errors) gives n = 2 * ((z + 1.2816) * sigma / room)^2.
  const double k = (z + 1.2816) * sigma / room;
  return trials_to_name(std::ceil(2.0 * k * k), observed, std::max(native.size(), container.size()));
}

int pairs_needed_for_parity(const std::vector<double>& native,
                            const std::vector<double>& container, double ratio_estimate,
                            double margin, double confidence, const ratio_interval* observed) {
  const std::size_t k = std::min(native.size(), container.size());
  if (k < 2 || !(ratio_estimate > 0.0)) return 0;
  const double kd = static_cast<double>(k);
  double sigma = std::sqrt(moments_of(pair_log_ratios(native, container)).ss / (kd - 1.0));
  // At least what the observed interval implies: half-width = q * sigma / sqrt(k), q the
  // t quantile (k - 1 df) at the interval's own confidence.
  if (observed && observed->defined && observed->low > 0.0) {
    const double c = observed->confidence > 0.0 ? observed->confidence : confidence;
    sigma = std::max(sigma, 0.5 * std::log(observed->high / observed->low) * std::sqrt(kd) /
                                t_two_sided(c, kd - 1.0));
  }
  const double room = std::log(1.0 + margin) - std::fabs(std::log(ratio_estimate));
  if (!(sigma > 0.0) || !(room > 0.0)) return 0;
  // n pairs: standard error sigma / sqrt(n); parity with an 80% chance needs
  // |estimate| + (z + 1.2816) * sigma / sqrt(n) <= room.
  const double r = (z_for(confidence) + 1.2816) * sigma / room;
  return trials_to_name(std::ceil(r * r), observed, k);
}

verdict decide(const ratio_interval& r, double margin) {
  if (!r.defined) return verdict::inconclusive;
  if (r.high < 1.0 - margin) return verdict::degraded;
  if (r.low > 1.0 + margin) return verdict::better;
  if (r.low >= 1.0 - margin && r.high <= 1.0 + margin) return verdict::parity;
  return verdict::inconclusive;
}

const char* regression_verdict_name(regression_verdict v) {
  switch (v) {
    case regression_verdict::no_regression:
      return "no_regression";
    case regression_verdict::regression:
      return "regression";
    case regression_verdict::improved:
      return "improved";
    case regression_verdict::inconclusive:
      return "inconclusive";
  }
  return "inconclusive";
}

regression_verdict decide_regression(const ratio_interval& r, double margin) {
  if (!r.defined) return regression_verdict::inconclusive;
  if (r.high < 1.0 - margin) return regression_verdict::regression;
  if (r.low > 1.0 + margin) return regression_verdict::improved;
  if (r.low >= 1.0 - margin) return regression_verdict::no_regression;
  return regression_verdict::inconclusive;
}

}  // namespace gpuparity::harness
