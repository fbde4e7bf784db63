// The sequential rule's interval (welch_ratio) and the t distribution under it, against
// printed t tables, closed forms, an independent integration of the density, and simulation.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <random>

#include "lognormal.hpp"
#include "stats.hpp"

namespace gpuparity::harness {
namespace {

// Two-sided critical values t_{p, df} as printed in t tables (4 decimals).
TEST(StudentT, QuantilesMatchTheTable) {
  struct row {
    double p, df, t;
  };
  for (const row& r :
       {row{0.975, 1, 12.7062}, row{0.975, 2, 4.3027}, row{0.975, 3, 3.1824}, row{0.975, 4, 2.7764},
        row{0.975, 10, 2.2281}, row{0.975, 30, 2.0423}, row{0.95, 5, 2.0150}, row{0.995, 4, 4.6041},
        row{0.995, 30, 2.7500}, row{0.9995, 3, 12.9240}, row{0.9995, 60, 3.4602}}) {
    EXPECT_NEAR(student_t_quantile(r.p, r.df), r.t, 6e-5) << r.p << " " << r.df;
    EXPECT_NEAR(student_t_quantile(1.0 - r.p, r.df), -r.t, 6e-5) << r.p << " " << r.df;
    EXPECT_NEAR(student_t_cdf(r.t, r.df), r.p, 2e-5) << r.p << " " << r.df;
  }
  EXPECT_NEAR(student_t_quantile(0.5, 7), 0.0, 1e-12);
  EXPECT_EQ(student_t_cdf(0.0, 7), 0.5);
}

// df = 1 (Cauchy) and df = 2 have closed forms, out to the far tails the rule's early looks
// reach (a look at 99.99% asks for p = 0.99995).
TEST(StudentT, ClosedFormsForOneAndTwoDegreesOfFreedom) {
  for (double p : {0.6, 0.9, 0.975, 0.995, 0.99995}) {
    const double cauchy = std::tan(M_PI * (p - 0.5));
    EXPECT_NEAR(student_t_quantile(p, 1), cauchy, 1e-9 * cauchy) << p;
    const double two = (2 * p - 1) * std::sqrt(2.0 / (4 * p * (1 - p)));
    EXPECT_NEAR(student_t_quantile(p, 2), two, 1e-9 * two) << p;
  }
  for (double t : {-30.0, -2.0, -0.1, 0.7, 5.0, 1e4}) {
    EXPECT_NEAR(student_t_cdf(t, 1), 0.5 + std::atan(t) / M_PI, 1e-12) << t;
    EXPECT_NEAR(student_t_cdf(t, 2), 0.5 + t / (2 * std::sqrt(2 + t * t)), 1e-12) << t;
  }
}

// Non-integer df (Welch-Satterthwaite gives them): the cdf against Simpson's rule on the
// density, which shares no code with the implementation's continued fraction.
double integrated_cdf(double t, double df) {
  const double c = std::exp(std::lgamma((df + 1) / 2) - std::lgamma(df / 2)) / std::sqrt(df * M_PI);
  const auto f = [&](double x) { return c * std::pow(1 + x * x / df, -(df + 1) / 2); };
  const int n = 20000;  // even
  const double h = t / n;
  double s = f(0) + f(t);
  for (int i = 1; i < n; ++i) s += (i % 2 ? 4 : 2) * f(i * h);
  return 0.5 + s * h / 3;
}

TEST(StudentT, NonIntegerDegreesOfFreedom) {
  for (double df : {1.5, 2.5, 3.7, 7.25, 18.6})
    for (double t : {0.3, 1.0, 2.2, 4.5}) {
      EXPECT_NEAR(student_t_cdf(t, df), integrated_cdf(t, df), 1e-9) << df << " " << t;
      EXPECT_NEAR(student_t_cdf(-t, df), 1 - integrated_cdf(t, df), 1e-9) << df << " " << t;
    }
  // Between the neighbouring whole df, and the quantile inverts the cdf.
  const double q = student_t_quantile(0.975, 2.5);
  EXPECT_LT(q, 4.3027);
  EXPECT_GT(q, 3.1824);
  EXPECT_NEAR(student_t_cdf(q, 2.5), 0.975, 1e-10);
  EXPECT_NEAR(integrated_cdf(q, 2.5), 0.975, 1e-9);
}

// Many degrees of freedom: the normal quantile (1.959964 at 97.5%).
TEST(StudentT, ManyDegreesOfFreedomGiveTheNormal) {
  EXPECT_NEAR(student_t_quantile(0.975, 1000), 1.962339, 2e-6);  // table: 1.9623
  EXPECT_NEAR(student_t_quantile(0.975, 1e4), 1.960201, 2e-5);
  EXPECT_NEAR(student_t_quantile(0.975, 1e6), 1.959966, 2e-5);
  EXPECT_NEAR(student_t_quantile(0.995, 1e6), 2.575831, 2e-5);
  EXPECT_NEAR(student_t_cdf(1.959964, 1e6), 0.975, 1e-6);
}

TEST(StudentT, OutsideItsDomainIsNotANumber) {
  EXPECT_TRUE(std::isnan(student_t_quantile(0.0, 5)));
  EXPECT_TRUE(std::isnan(student_t_quantile(1.0, 5)));
  EXPECT_TRUE(std::isnan(student_t_quantile(0.975, 0)));
  EXPECT_TRUE(std::isnan(student_t_quantile(0.975, std::numeric_limits<double>::quiet_NaN())));
  EXPECT_EQ(student_t_cdf(std::numeric_limits<double>::infinity(), 3), 1.0);
  EXPECT_EQ(student_t_cdf(-std::numeric_limits<double>::infinity(), 3), 0.0);
}

// Equal counts and equal variances: df = 2 (n - 1) exactly, so the interval follows from the
// table. Logs {0, 0.01, 0.02} and {0.03, 0.04, 0.05}: difference 0.03, each variance 1e-4,
// standard error sqrt(2e-4 / 3), df 4, t 2.7764 (95%) and 4.6041 (99%).
TEST(WelchRatio, MatchesTheIntervalComputedByHand) {
  const std::vector<double> native = {std::exp(0.0), std::exp(0.01), std::exp(0.02)};
  const std::vector<double> container = {std::exp(0.03), std::exp(0.04), std::exp(0.05)};
  const double se = std::sqrt(2e-4 / 3);
  for (const auto& [confidence, t] : {std::pair{0.95, 2.7764}, std::pair{0.99, 4.6041}}) {
    const auto r = welch_ratio(native, container, true, confidence);
    ASSERT_TRUE(r.defined);
    EXPECT_NEAR(r.estimate, std::exp(0.03), 1e-12);
    EXPECT_NEAR(std::log(r.low), 0.03 - t * se, 1e-6) << confidence;
    EXPECT_NEAR(std::log(r.high), 0.03 + t * se, 1e-6) << confidence;
    EXPECT_NEAR(r.ratio_of_medians, std::exp(0.04) / std::exp(0.01), 1e-12);
  }
}

// The 95% interval covers the true ratio of geometric means in about 95% of experiments,
// also with unequal counts and spreads (what Welch's df are for) and at 2 or 3 samples per
// side. Measured here with 20000 runs: 95.3% (10 x 10), 95.2% (8 x 14, the larger side
// 4x the spread), 96.7% (3 x 3), 97.7% (2 x 2; few df make t conservative), 95.2% (2 x 2,
// one side 5x the spread), 94.3% (4 x 4, likewise). A z interval would cover far less at
// 2 or 3 per side, a doubled width far more.
TEST(WelchRatio, IntervalCoversTheTruthAtItsLevel) {
  struct design {
    int n1, n2;
    double sigma1, sigma2;
  };
  const auto coverage = [](const design& d) {
    int covered = 0;
    const int runs = 4000;
    for (int seed = 0; seed < runs; ++seed) {
      std::mt19937_64 rng(90000 + seed);
      const auto a = lognormal(rng, d.n1, 1.0, d.sigma1);
      const auto b = lognormal(rng, d.n2, 0.96, d.sigma2);
      const auto r = welch_ratio(a, b, true, 0.95);
      covered += r.defined && r.low <= 0.96 && 0.96 <= r.high;
    }
    return static_cast<double>(covered) / runs;
  };
  for (const design& d :
       {design{10, 10, 0.03, 0.03}, design{8, 14, 0.01, 0.04}, design{3, 3, 0.02, 0.02},
        design{2, 2, 0.02, 0.02}, design{2, 2, 0.05, 0.01}, design{4, 4, 0.05, 0.01}}) {
    const double c = coverage(d);
    std::cout << d.n1 << " x " << d.n2 << ", spreads " << d.sigma1 << " " << d.sigma2
              << ": coverage " << c << "\n";
    EXPECT_NEAR(c, 0.95, 0.03) << d.n1 << " x " << d.n2;
  }
  // Welch's known weak spot: the side with fewer samples has the larger spread (90% here).
  // The rule's sides are interleaved, so their counts differ by one at most.
  const double weak = coverage({2, 5, 0.05, 0.01});
  std::cout << "2 x 5, the 2 with 5x the spread: coverage " << weak << "\n";
  EXPECT_GT(weak, 0.87);
}

TEST(WelchRatio, IdenticalSamplesGiveAPoint) {
  const auto r = welch_ratio({4.0, 4.0, 4.0}, {5.0, 5.0}, true);
  ASSERT_TRUE(r.defined);
  EXPECT_NEAR(r.estimate, 1.25, 1e-12);
  EXPECT_EQ(r.low, r.estimate);
  EXPECT_EQ(r.high, r.estimate);
  EXPECT_EQ(decide(r, 0.02), verdict::better);
  const auto same = welch_ratio({3e12, 3e12}, {3e12, 3e12}, true, 0.9999);
  ASSERT_TRUE(same.defined);
  EXPECT_EQ(decide(same, 0.02), verdict::parity);  // at any confidence
  // One side identical, the other spread: an interval, not a point.
  const auto one = welch_ratio({1.0, 1.0, 1.0}, {0.99, 1.0, 1.01}, true);
  ASSERT_TRUE(one.defined);
  EXPECT_LT(one.low, one.estimate);
  EXPECT_GT(one.high, one.estimate);
}

TEST(WelchRatio, NeedsTwoPositiveFiniteSamplesPerSide) {
  const auto one = welch_ratio({1.0}, {1.0, 1.1, 0.9}, true);
  EXPECT_FALSE(one.defined);
  EXPECT_NEAR(one.estimate, 1.0, 0.01);  // the estimate exists, the interval does not
  EXPECT_EQ(decide(one, 0.5), verdict::inconclusive);
  EXPECT_FALSE(welch_ratio({1.0, 1.0}, {1.0}, true).defined);
  EXPECT_FALSE(welch_ratio({}, {1.0, 1.0}, true).defined);
  const std::vector<double> ok = {1.0, 1.01, 0.99};
  for (double bad : {0.0, -1.0, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_FALSE(welch_ratio(ok, {1.0, bad, 1.0}, true).defined) << bad;
    EXPECT_FALSE(welch_ratio({bad, 1.0}, ok, false).defined) << bad;
  }
}

// Lower is better: a slower container is < 1, a faster one > 1, and the interval is the
// higher-is-better one inverted.
TEST(WelchRatio, LowerIsBetterIsOrientedTheSameWay) {
  std::mt19937_64 rng(3);
  const auto native = lognormal(rng, 10, 10e-6, 0.01);
  const auto slower = lognormal(rng, 10, 12e-6, 0.01), faster = lognormal(rng, 10, 8e-6, 0.01);
  const auto worse = welch_ratio(native, slower, false);
  EXPECT_NEAR(worse.estimate, 10.0 / 12.0, 0.02);
  EXPECT_EQ(decide(worse, 0.05), verdict::degraded);
  const auto better = welch_ratio(native, faster, false);
  EXPECT_NEAR(better.estimate, 10.0 / 8.0, 0.03);
  EXPECT_EQ(decide(better, 0.05), verdict::better);
  const auto up = welch_ratio(native, slower, true);
  EXPECT_NEAR(worse.estimate, 1.0 / up.estimate, 1e-12);
  EXPECT_NEAR(worse.low, 1.0 / up.high, 1e-12);
  EXPECT_NEAR(worse.high, 1.0 / up.low, 1e-12);
}

TEST(WelchRatio, WiderAtAHigherConfidence) {
  std::mt19937_64 rng(5);
  const auto a = lognormal(rng, 4, 1.0, 0.01), b = lognormal(rng, 4, 1.0, 0.01);
  const auto r95 = welch_ratio(a, b, true, 0.95), r999 = welch_ratio(a, b, true, 0.999);
  EXPECT_EQ(r95.estimate, r999.estimate);
  EXPECT_LT(r999.low, r95.low);
  EXPECT_GT(r999.high, r95.high);
}

}  // namespace
}  // namespace gpuparity::harness
