#include "collective_math.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <set>
#include <stdexcept>

namespace gpuparity {
namespace {

// nccl-tests' doc/PERFORMANCE.md: all-reduce 2(n-1)/n, all-gather (n-1)/n.
TEST(CollectiveMath, BusFactorsAreNcclTests) {
  EXPECT_DOUBLE_EQ(bus_factor(collective::all_reduce, 8), 1.75);
  EXPECT_DOUBLE_EQ(bus_factor(collective::all_gather, 8), 0.875);
  EXPECT_DOUBLE_EQ(bus_factor(collective::all_reduce, 2), 1.0);
  EXPECT_DOUBLE_EQ(bus_factor(collective::all_gather, 2), 0.5);
  EXPECT_DOUBLE_EQ(bus_factor(collective::all_reduce, 1), 0.0);
  EXPECT_DOUBLE_EQ(bus_factor(collective::all_gather, 1), 0.0);
  EXPECT_THROW(bus_factor(collective::all_reduce, 0), std::invalid_argument);
}

TEST(CollectiveMath, RatesFromSizeAndTime) {
  // 256 MiB all-reduced over 4 ranks in 10 ms: algbw = S / t, busbw = algbw * 1.5.
  const auto r = rates_of(collective::all_reduce, 256u << 20, 4, 0.01);
  EXPECT_DOUBLE_EQ(r.algbw, 26843545600.0);
  EXPECT_DOUBLE_EQ(r.busbw, 26843545600.0 * 1.5);
  const auto g = rates_of(collective::all_gather, 8u << 20, 8, 0.001);
  EXPECT_DOUBLE_EQ(g.busbw, 8388608000.0 * 0.875);
  EXPECT_THROW(rates_of(collective::all_gather, 8, 2, 0.0), std::invalid_argument);
}

// The all-gather's size is its whole output: each rank sends size / ranks.
TEST(CollectiveMath, SendCounts) {
  EXPECT_EQ(send_count(collective::all_reduce, 8u << 20, 8), (8u << 20) / 4);
  EXPECT_EQ(send_count(collective::all_gather, 8u << 20, 8), (8u << 20) / 4 / 8);
  EXPECT_EQ(send_count(collective::all_gather, 8u << 20, 1), (8u << 20) / 4);
  EXPECT_THROW(send_count(collective::all_gather, 12, 8), std::invalid_argument);
  EXPECT_THROW(send_count(collective::all_reduce, 3, 1), std::invalid_argument);
  // Rounded down to whole floats per rank, as nccl-tests does: 3, 5, 6 or 7 GPUs run too.
  EXPECT_EQ(send_count(collective::all_reduce, 6, 1), 1u);
  EXPECT_EQ(send_count(collective::all_gather, 8u << 20, 3), (8u << 20) / 12);
  EXPECT_EQ(moved_bytes(collective::all_gather, 8u << 20, 3), (8u << 20) / 12 * 12);
  EXPECT_EQ(moved_bytes(collective::all_reduce, 8u << 20, 3), 8u << 20);
  EXPECT_THROW(send_count(collective::all_reduce, 0, 1), std::invalid_argument);
}

TEST(CollectiveMath, RankValuesAreRandomMultiplesOf1Over256) {
  std::set<float> seen;
  int same_as_rank1 = 0;
  for (std::size_t i = 0; i < 4096; ++i) {
    const float v = rank_value(7, 0, i);
    ASSERT_LE(std::fabs(v), 1.0f);
    ASSERT_EQ(v * 256.0f, std::round(v * 256.0f)) << i;
    seen.insert(v);
    same_as_rank1 += v == rank_value(7, 1, i);
  }
  EXPECT_GT(seen.size(), 400u);  // most of the 513 values
  EXPECT_LT(same_as_rank1, 64);  // the ranks' data are not the same
  EXPECT_EQ(rank_value(7, 3, 99), rank_value(7, 3, 99));
  EXPECT_NE(rank_value(7, 3, 99) == rank_value(8, 3, 99) &&
                rank_value(7, 3, 98) == rank_value(8, 3, 98) &&
                rank_value(7, 3, 97) == rank_value(8, 3, 97),
            true);  // another seed, other data
}

// The sum is exact in float in any order, so the check can compare exactly.
TEST(CollectiveMath, ReducedValueIsExactInAnyOrder) {
  for (std::size_t i = 0; i < 2048; ++i) {
    double exact = 0.0;
    float backwards = 0.0f;
    for (int r = 0; r < 64; ++r) exact += rank_value(11, r, i);
    for (int r = 63; r >= 0; --r) backwards += rank_value(11, r, i);
    ASSERT_EQ(static_cast<double>(reduced_value(11, 64, i)), exact) << i;
    ASSERT_EQ(backwards, reduced_value(11, 64, i)) << i;
  }
  EXPECT_EQ(reduced_value(5, 1, 17), rank_value(5, 0, 17));
}

TEST(CollectiveMath, GatheredValueIsEachRanksPartInOrder) {
  const std::size_t count = 1000;
  EXPECT_EQ(gathered_value(3, count, 0), rank_value(3, 0, 0));
  EXPECT_EQ(gathered_value(3, count, 999), rank_value(3, 0, 999));
  EXPECT_EQ(gathered_value(3, count, 1000), rank_value(3, 1, 0));
  EXPECT_EQ(gathered_value(3, count, 2 * count + 5), rank_value(3, 2, 5));
  EXPECT_EQ(expected_value(collective::all_gather, 3, 4, count, 3005), rank_value(3, 3, 5));
  EXPECT_EQ(expected_value(collective::all_reduce, 3, 4, count, 5), reduced_value(3, 4, 5));
}

}  // namespace
}  // namespace gpuparity
