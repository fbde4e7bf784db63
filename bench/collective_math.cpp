#include "collective_math.hpp"

#include <stdexcept>

#include "random.cuh"

namespace gpuparity {

const char* collective_name(collective c) {
  return c == collective::all_reduce ? "all_reduce" : "all_gather";
}

double bus_factor(collective c, int ranks) {
  if (ranks < 1) throw std::invalid_argument("a collective needs at least one rank");
  const double n = ranks;
  return c == collective::all_reduce ? 2.0 * (n - 1.0) / n : (n - 1.0) / n;
}

std::size_t send_count(collective c, std::size_t bytes, int ranks) {
  if (ranks < 1) throw std::invalid_argument("a collective needs at least one rank");
  const std::size_t parts = c == collective::all_gather ? static_cast<std::size_t>(ranks) : 1;
  // As nccl-tests does: the size rounded down to whole floats per rank (3, 5, 6 or 7 GPUs
  // do not divide a power of two), the rates computed from the size actually moved.
  const std::size_t count = bytes / (parts * sizeof(float));
  if (count == 0)
    throw std::invalid_argument(std::string(collective_name(c)) + " of " + std::to_string(bytes) +
                                " bytes over " + std::to_string(ranks) +
                                " ranks: less than one float per rank");
  return count;
}

std::size_t moved_bytes(collective c, std::size_t bytes, int ranks) {
  const std::size_t parts = c == collective::all_gather ? static_cast<std::size_t>(ranks) : 1;
  return send_count(c, bytes, ranks) * parts * sizeof(float);
}

collective_rates rates_of(collective c, std::size_t bytes, int ranks, double seconds) {
  if (!(seconds > 0.0)) throw std::invalid_argument("a collective's time must be positive");
  collective_rates r;
  r.algbw = static_cast<double>(bytes) / seconds;
  r.busbw = r.algbw * bus_factor(c, ranks);
  return r;
}

float rank_value(std::uint64_t seed, int rank, std::size_t i) {
  // Each rank its own stream of the generator: the rank in the seed, the element the index.
  const std::uint64_t s = mix64(seed, 0x5241'4E4B'0000'0000ull + static_cast<std::uint64_t>(rank));
  const auto k = static_cast<std::int64_t>(mix64(s, i) % 513u) - 256;
  return static_cast<float>(k) / 256.0f;
}

float reduced_value(std::uint64_t seed, int ranks, std::size_t i) {
  float sum = 0.0f;  // exact: see rank_value
  for (int r = 0; r < ranks; ++r) sum += rank_value(seed, r, i);
  return sum;
}

float gathered_value(std::uint64_t seed, std::size_t count, std::size_t i) {
  return rank_value(seed, static_cast<int>(i / count), i % count);
}

float expected_value(collective c, std::uint64_t seed, int ranks, std::size_t count,
                     std::size_t i) {
  return c == collective::all_reduce ? reduced_value(seed, ranks, i)
                                     : gathered_value(seed, count, i);
}

}  // namespace gpuparity
