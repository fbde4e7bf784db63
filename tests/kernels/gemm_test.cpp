// cuBLASLt GEMM on small shapes against a full float64 host reference.
#include <gtest/gtest.h>

#include <vector>

#include "cuda_raii.hpp"
#include "fill.cuh"
#include "gemm_lt.hpp"
#include "verify.hpp"

namespace gpuparity {
namespace {

class gemm_fixture : public ::testing::TestWithParam<dtype> {};

std::vector<unsigned char> to_host(const device_buffer& b) {
  std::vector<unsigned char> h(b.bytes());
  GPUPARITY_CUDA_CHECK(cudaMemcpy(h.data(), b.get(), b.bytes(), cudaMemcpyDeviceToHost));
  return h;
}

TEST_P(gemm_fixture, MatchesFloat64ReferenceWithinTolerance) {
  const dtype t = GetParam();
  int major = 0, minor = 0;
  GPUPARITY_CUDA_CHECK(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0));
  GPUPARITY_CUDA_CHECK(cudaDeviceGetAttribute(&minor, cudaDevAttrComputeCapabilityMinor, 0));
  if (t == dtype::fp8_e4m3 && major * 10 + minor < 89) GTEST_SKIP() << "no FP8 on this GPU";
  const int m = 256, n = 192, k = 320;
  lt_handle h;
  lt_gemm g(h, t, m, n, k, 32u << 20);
  device_buffer a(std::size_t(k) * m * dtype_bytes(t)), b(std::size_t(k) * n * dtype_bytes(t));
  device_buffer d(std::size_t(m) * n * dtype_bytes(gemm_output_type(t)));
  launch_fill_uniform(t, a.get(), std::size_t(k) * m, 1, nullptr);
  launch_fill_uniform(t, b.get(), std::size_t(k) * n, 2, nullptr);
  poison(d.get(), d.bytes(), nullptr);
  const auto cands = g.candidates(4);
  ASSERT_FALSE(cands.empty());
  g.run(cands.front().algo, a.get(), b.get(), d.get(), nullptr);
  GPUPARITY_CUDA_CHECK(cudaDeviceSynchronize());
  const auto ha = to_host(a), hb = to_host(b), hd = to_host(d);
  std::vector<double> out, ref;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      double acc = 0;
      for (int p = 0; p < k; ++p)
        acc += element_as_double(t, ha.data(), std::size_t(i) * k + p) *
               element_as_double(t, hb.data(), std::size_t(j) * k + p);
      ref.push_back(acc);
      out.push_back(element_as_double(gemm_output_type(t), hd.data(), std::size_t(j) * m + i));
    }
  const double err = relative_norm_error(out, ref);
  EXPECT_LE(err, gemm_tolerance(t)) << dtype_name(t);
  // A result from other inputs must fail the same check: the check can fail.
  launch_fill_uniform(t, a.get(), std::size_t(k) * m, 3, nullptr);
  g.run(cands.front().algo, a.get(), b.get(), d.get(), nullptr);
  GPUPARITY_CUDA_CHECK(cudaDeviceSynchronize());
  const auto hd2 = to_host(d);
  std::vector<double> out2;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i)
      out2.push_back(element_as_double(gemm_output_type(t), hd2.data(), std::size_t(j) * m + i));
  EXPECT_GT(relative_norm_error(out2, ref), gemm_tolerance(t));
}

INSTANTIATE_TEST_SUITE_P(Types, gemm_fixture,
                         ::testing::Values(dtype::fp32, dtype::tf32, dtype::fp16, dtype::bf16,
                                           dtype::fp8_e4m3),
                         [](const ::testing::TestParamInfo<dtype>& p) {
                           return std::string(dtype_name(p.param));
                         });

}  // namespace
}  // namespace gpuparity
