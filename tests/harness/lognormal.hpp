#pragma once
// Samples for the statistics tests: n values around `median` with a spread sigma in logs.
#include <cmath>
#include <random>
#include <vector>

namespace gpuparity::harness {

inline std::vector<double> lognormal(std::mt19937_64& rng, int n, double median, double sigma) {
  std::normal_distribution<double> z(0.0, sigma);
  std::vector<double> v;
  for (int i = 0; i < n; ++i) v.push_back(median * std::exp(z(rng)));
  return v;
}

}  // namespace gpuparity::harness
