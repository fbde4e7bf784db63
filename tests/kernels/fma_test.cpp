#include <gtest/gtest.h>

#include <vector>

#include "cuda_raii.hpp"
#include "fill.cuh"
#include "fma.cuh"

namespace gpuparity {
namespace {

class fma_fixture : public ::testing::TestWithParam<fma_type> {};

TEST_P(fma_fixture, EveryThreadEndsAtTheAnalyticValue) {
  fma_problem p;
  p.type = GetParam();
  p.blocks = 64;
  p.threads = 128;
  p.iterations = 300;
  p.b = 1.0;
  p.c = p.type == fma_type::fp16x2 ? -1.0 : 1.0;
  p.seed = 1234;
  device_buffer out(std::size_t{p.blocks} * p.threads * sizeof(double));
  poison(out.get(), out.bytes(), nullptr);
  launch_fma_chain(p, out.data<double>(), nullptr);
  std::vector<double> h(std::size_t{p.blocks} * p.threads);
  GPUPARITY_CUDA_CHECK(cudaMemcpy(h.data(), out.get(), out.bytes(), cudaMemcpyDeviceToHost));
  for (std::size_t t = 0; t < h.size(); ++t) ASSERT_EQ(h[t], fma_expected(p, t)) << "thread " << t;
  // The expectation depends on the work: a different iteration count would not match
  // (fp16 adds b + c = 0 per trip, so only its start values are checked).
  fma_problem other = p;
  other.iterations = 299;
  if (p.type != fma_type::fp16x2) {
    EXPECT_NE(h[0], fma_expected(other, 0));
  }
  other = p;
  other.seed = 4321;
  EXPECT_NE(h[0] + h[1] + h[2],
            fma_expected(other, 0) + fma_expected(other, 1) + fma_expected(other, 2));
}

TEST(FmaFlops, CountsTwoPerFmaAndTwoLanesForFp16x2) {
  fma_problem p;
  p.blocks = 2;
  p.threads = 32;
  p.iterations = 10;
  p.type = fma_type::fp32;
  EXPECT_EQ(fma_flops(p), 2.0 * 32 * fma_chains * 10 * 2 * 2);
  p.type = fma_type::fp16x2;
  EXPECT_EQ(fma_flops(p), 2.0 * 32 * fma_chains * 10 * 2 * 2 * 2);
}

INSTANTIATE_TEST_SUITE_P(Types, fma_fixture,
                         ::testing::Values(fma_type::fp32, fma_type::fp64, fma_type::fp16x2));

}  // namespace
}  // namespace gpuparity
