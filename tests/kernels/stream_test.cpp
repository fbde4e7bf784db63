// STREAM kernels against exact gold values, including the check's ability to fail.
#include <gtest/gtest.h>

#include <tuple>

#include "cuda_raii.hpp"
#include "fill.cuh"
#include "random.cuh"
#include "stream.cuh"

namespace gpuparity {
namespace {

struct stream_fixture : ::testing::TestWithParam<std::tuple<int, stream_layout, bool>> {};

unsigned long long mismatches(stream_op op, const device_buffer& out, std::size_t n,
                              std::uint64_t sx, std::uint64_t sy) {
  device_buffer count(sizeof(unsigned long long));
  GPUPARITY_CUDA_CHECK(cudaMemset(count.get(), 0, count.bytes()));
  launch_stream_check(op, out.data<double>(), n, sx, sy, count.data<unsigned long long>(), nullptr);
  unsigned long long host = 0;
  GPUPARITY_CUDA_CHECK(cudaMemcpy(&host, count.get(), sizeof host, cudaMemcpyDeviceToHost));
  return host;
}

TEST_P(stream_fixture, EveryOpMatchesGoldForEveryUnroll) {
  const std::size_t n = (1u << 20) + 2 * 37;  // not a multiple of the grid: exercises the tail
  int sms = 0;
  GPUPARITY_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  device_buffer x(n * 8), y(n * 8), out(n * 8), dot(8);
  launch_fill_stream(x.data<double>(), n, 11, nullptr);
  launch_fill_stream(y.data<double>(), n, 22, nullptr);
  stream_config cfg;
  cfg.unroll = std::get<0>(GetParam());
  cfg.layout = std::get<1>(GetParam());
  cfg.streaming_hints = std::get<2>(GetParam());
  for (stream_op op : {stream_op::copy, stream_op::scale, stream_op::add, stream_op::triad}) {
    poison(out.get(), out.bytes(), nullptr);
    launch_stream(op, cfg, sms, x.data<double>(), y.data<double>(), out.data<double>(), nullptr, n,
                  nullptr);
    EXPECT_EQ(mismatches(op, out, n, 11, 22), 0u) << stream_op_name(op);
  }
  GPUPARITY_CUDA_CHECK(cudaMemset(dot.get(), 0, 8));
  launch_stream(stream_op::dot, cfg, sms, x.data<double>(), y.data<double>(), nullptr,
                dot.data<double>(), n, nullptr);
  device_buffer gold(sizeof(long long));
  GPUPARITY_CUDA_CHECK(cudaMemset(gold.get(), 0, gold.bytes()));
  launch_stream_dot_gold(n, 11, 22, gold.data<long long>(), nullptr);
  double d = 0;
  long long g = 0;
  GPUPARITY_CUDA_CHECK(cudaMemcpy(&d, dot.get(), 8, cudaMemcpyDeviceToHost));
  GPUPARITY_CUDA_CHECK(cudaMemcpy(&g, gold.get(), 8, cudaMemcpyDeviceToHost));
  // Host reference on the same generator.
  long long host = 0;
  for (std::size_t i = 0; i < n; ++i)
    host += stream_value_numerator(11, i) * stream_value_numerator(22, i);
  EXPECT_EQ(g, host);
  EXPECT_EQ(d, static_cast<double>(host) / (1024.0 * 1024.0));
}

INSTANTIATE_TEST_SUITE_P(Shapes, stream_fixture,
                         ::testing::Combine(::testing::Values(1, 2, 4, 8),
                                            ::testing::Values(stream_layout::grid_stride,
                                                              stream_layout::tiles),
                                            ::testing::Bool()));

TEST(StreamCheck, CatchesOneWrongElementAndAnUnwrittenOne) {
  const std::size_t n = 4096;
  int sms = 0;
  GPUPARITY_CUDA_CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
  device_buffer x(n * 8), out(n * 8);
  launch_fill_stream(x.data<double>(), n, 5, nullptr);
  launch_stream(stream_op::copy, {}, sms, x.data<double>(), nullptr, out.data<double>(), nullptr, n,
                nullptr);
  ASSERT_EQ(mismatches(stream_op::copy, out, n, 5, 0), 0u);
  const double wrong = 0.5 + 1.0 / 4096;  // never a generated value (k/1024)
  GPUPARITY_CUDA_CHECK(cudaMemcpy(out.data<double>() + 100, &wrong, 8, cudaMemcpyHostToDevice));
  EXPECT_EQ(mismatches(stream_op::copy, out, n, 5, 0), 1u);
  poison(out.data<double>() + 200, 8, nullptr);
  EXPECT_EQ(mismatches(stream_op::copy, out, n, 5, 0), 2u);
  // And the same output judged as a scale result is wrong almost everywhere.
  EXPECT_GT(mismatches(stream_op::scale, out, n, 5, 0), n / 2);
}

TEST(StreamFill, MatchesHostGenerator) {
  const std::size_t n = 1000;
  device_buffer x(n * 8);
  launch_fill_stream(x.data<double>(), n, 99, nullptr);
  std::vector<double> h(n);
  GPUPARITY_CUDA_CHECK(cudaMemcpy(h.data(), x.get(), n * 8, cudaMemcpyDeviceToHost));
  int distinct_signs = 0;
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_EQ(h[i], static_cast<double>(stream_value_numerator(99, i)) / 1024.0);
    distinct_signs += h[i] < 0;
  }
  EXPECT_GT(distinct_signs, 300);  // random, not constant
  EXPECT_LT(distinct_signs, 700);
}

}  // namespace
}  // namespace gpuparity
