#pragma once
// Counter-based random numbers, identical on host and device, so the host can recompute
// any element the GPU generated (the gold values of the verification checks).
#include <cstdint>

#if defined(__CUDACC__)
#define GPUPARITY_HD __host__ __device__
#else
#define GPUPARITY_HD
#endif

namespace gpuparity {

// SplitMix64 finaliser over (seed, index): a well-mixed 64-bit value per element.
GPUPARITY_HD inline std::uint64_t mix64(std::uint64_t seed, std::uint64_t index) {
  std::uint64_t z = seed + (index + 1) * 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// STREAM element: an integer k in [-1024, 1024], stored as k / 1024. Every STREAM result
// (sums, the scalar 3 times, dot products of up to 2^32 elements) is then exact in
// double precision whatever the order of operations, so gold values are exact.
GPUPARITY_HD inline std::int64_t stream_value_numerator(std::uint64_t seed, std::uint64_t i) {
  return static_cast<std::int64_t>(mix64(seed, i) % 2049u) - 1024;
}
inline constexpr double stream_denominator = 1024.0;
inline constexpr double stream_scalar = 3.0;

// Uniform in [-1, 1) with 24 random bits: exact in float, the same on host and device.
GPUPARITY_HD inline float uniform_pm1(std::uint64_t seed, std::uint64_t i) {
  const auto bits = static_cast<std::uint32_t>(mix64(seed, i) >> 40);  // 24 bits
  return static_cast<float>(bits) * (1.0f / 8388608.0f) - 1.0f;
}

// Starting value of an FMA chain: an integer in [0, 1024), exact in fp16 and wider.
GPUPARITY_HD inline std::uint32_t fma_start_value(std::uint64_t seed, std::uint64_t i) {
  return static_cast<std::uint32_t>(mix64(seed, i) & 1023u);
}

}  // namespace gpuparity
