#include "verify.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "random.cuh"

namespace gpuparity {

double relative_norm_error(const std::vector<double>& out, const std::vector<double>& ref) {
  constexpr double inf = std::numeric_limits<double>::infinity();
  if (out.size() != ref.size() || out.empty()) return inf;
  double num = 0.0, den = 0.0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!std::isfinite(out[i]) || !std::isfinite(ref[i])) return inf;
    num += (out[i] - ref[i]) * (out[i] - ref[i]);
    den += ref[i] * ref[i];
  }
  if (den == 0.0) return num == 0.0 ? 0.0 : inf;
  return std::sqrt(num / den);
}

double gemm_tolerance(dtype input) {
  switch (input) {
    case dtype::fp64:
      return 1e-12;
    case dtype::fp32:
      return 5e-5;  // fp32 accumulation over k = 8192
    case dtype::tf32:
      return 3e-3;  // inputs rounded to 10-bit mantissas (~3e-4 seen)
    case dtype::fp16:
      return 3e-3;  // fp16 output rounding, 2^-11
    case dtype::bf16:
      return 1.5e-2;  // bf16 output rounding, 2^-8
    case dtype::fp8_e4m3:
      return 2e-2;  // bf16 output, fp8 tensor-core accumulation
  }
  return 0.0;
}

double mean(const std::vector<double>& v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0.0;
  for (double x : v) sum += x;
  return sum / static_cast<double>(v.size());
}

double median(std::vector<double> v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const std::size_t mid = v.size() / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  const double hi = v[mid];
  if (v.size() % 2) return hi;
  const double lo = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
  return (lo + hi) / 2.0;
}

double relative_mad(const std::vector<double>& v) {
  const double m = median(v);
  std::vector<double> dev(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) dev[i] = std::fabs(v[i] - m);
  return median(dev) / m;
}

std::size_t parse_bytes(const std::string& text) {
  std::size_t pos = 0;
  unsigned long long value = 0;
  try {
    if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))) throw 0;
    value = std::stoull(text, &pos);
  } catch (...) {
    throw std::invalid_argument("'" + text + "' is not a size: use bytes or e.g. 512MiB, 1GiB");
  }
  std::string unit = text.substr(pos);
  for (auto& ch : unit) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  unsigned long long scale = 0;
  if (unit.empty() || unit == "b")
    scale = 1;
  else if (unit == "k" || unit == "kib")
    scale = 1ull << 10;
  else if (unit == "m" || unit == "mib")
    scale = 1ull << 20;
  else if (unit == "g" || unit == "gib")
    scale = 1ull << 30;
  else if (unit == "t" || unit == "tib")
    scale = 1ull << 40;
  if (scale == 0 || value == 0 || value > std::numeric_limits<unsigned long long>::max() / scale)
    throw std::invalid_argument("'" + text + "' is not a size: use bytes or e.g. 512MiB, 1GiB");
  return static_cast<std::size_t>(value * scale);
}

std::vector<std::uint32_t> random_cycle(std::size_t count, std::uint64_t seed) {
  std::vector<std::uint32_t> order(count);
  std::iota(order.begin(), order.end(), 0u);
  // Fisher-Yates shuffle of the visiting order; consecutive entries are then linked.
  for (std::size_t i = count; i > 1; --i) {
    const std::size_t j = mix64(seed, i) % i;
    std::swap(order[i - 1], order[j]);
  }
  std::vector<std::uint32_t> next(count);
  for (std::size_t i = 0; i < count; ++i) next[order[i]] = order[(i + 1) % count];
  return next;
}

}  // namespace gpuparity
