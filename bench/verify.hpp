#pragma once
// Host-side arithmetic for verification and sizes; no CUDA, unit-tested on the CPU.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "dtype.hpp"

namespace gpuparity {

// ||out - ref|| / ||ref|| over paired samples; +inf if any value is NaN or infinite, or
// if the sizes differ.
double relative_norm_error(const std::vector<double>& out, const std::vector<double>& ref);

// Largest relative_norm_error a GEMM of this input type may show against a float64
// reference on the same (already rounded) inputs: accumulation and output rounding.
double gemm_tolerance(dtype input);

// Arithmetic mean of a sample; NaN if empty.
double mean(const std::vector<double>& v);

// Median of a sample (the mean of the two middle values for an even count); NaN if empty.
double median(std::vector<double> v);

// Median absolute deviation over the median: a robust relative spread; NaN if empty.
double relative_mad(const std::vector<double>& v);

// "1073741824", "1GiB", "512MiB", "64KiB", "2G", "100M" (powers of 1024) into bytes.
// Throws std::invalid_argument naming the text if it is not a positive size.
std::size_t parse_bytes(const std::string& text);

// A random cyclic order of `count` slots: following next[slot] from any slot visits
// every slot once before returning. Deterministic for a given seed.
std::vector<std::uint32_t> random_cycle(std::size_t count, std::uint64_t seed);

}  // namespace gpuparity
