#pragma once
// The arithmetic of the NCCL collective cases that needs no NCCL: message sizes, the rank
// data and its expected reductions, and nccl-tests' bandwidth definitions. Unit-tested on
// the CPU (tests/bench/collective_math_test.cpp).
#include <cstddef>
#include <cstdint>
#include <string>

namespace gpuparity {

enum class collective { all_reduce, all_gather };

const char* collective_name(collective c);  // "all_reduce", "all_gather"

// nccl-tests' bus-bandwidth factor (its doc/PERFORMANCE.md): busbw = algbw * factor, with
// algbw = size / time. all_reduce: 2(n-1)/n; all_gather: (n-1)/n; 0 for one rank.
double bus_factor(collective c, int ranks);

// nccl-tests' "size" of one operation in bytes, the numerator of algbw: the all-reduce's
// buffer, the all-gather's whole output (ranks times each rank's part). `bytes` is the case's
// size, which is that same number; this returns the float elements each rank sends.
// Throws std::invalid_argument when `bytes` is not a whole number of floats per rank.
std::size_t send_count(collective c, std::size_t bytes, int ranks);
// The bytes the collective of `bytes` really moves over `ranks` (its size rounded down to
// whole floats per rank): what the rates are computed from.
std::size_t moved_bytes(collective c, std::size_t bytes, int ranks);

struct collective_rates {
  double algbw = 0;  // bytes per second: size / seconds
  double busbw = 0;  // bytes per second: algbw * bus_factor
};
collective_rates rates_of(collective c, std::size_t bytes, int ranks, double seconds);

// Element i of rank r's input: an integer in [-256, 256] over 256, exact in float. A sum of up
// to 2^15 ranks' elements stays a multiple of 1/256 below 2^24/256 in magnitude, so it is exact
// in float whatever order NCCL adds in: the check compares exactly, no tolerance.
float rank_value(std::uint64_t seed, int rank, std::size_t i);

// Element i of the all-reduce's sum over `ranks` ranks.
float reduced_value(std::uint64_t seed, int ranks, std::size_t i);

// Element i of the all-gather's output: rank i / count's element i % count.
float gathered_value(std::uint64_t seed, std::size_t count, std::size_t i);

// Element i of the expected output (the all-reduce's sum, or the gathered inputs).
float expected_value(collective c, std::uint64_t seed, int ranks, std::size_t count, std::size_t i);

}  // namespace gpuparity
