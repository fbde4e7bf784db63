#include "environment.hpp"
#include "verify.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <stdexcept>

namespace gpuparity {
namespace {

TEST(RelativeNormError, ZeroForIdenticalVectors) {
  EXPECT_EQ(relative_norm_error({1.0, -2.0, 3.0}, {1.0, -2.0, 3.0}), 0.0);
}

TEST(RelativeNormError, KnownValue) {
  // ||(0.1, 0)|| / ||(1, 0)|| = 0.1
  EXPECT_NEAR(relative_norm_error({1.1, 0.0}, {1.0, 0.0}), 0.1, 1e-12);
}

TEST(RelativeNormError, NanAndSizeMismatchNeverPass) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(std::isinf(relative_norm_error({1.0, nan}, {1.0, 2.0})));
  EXPECT_TRUE(std::isinf(relative_norm_error({1.0}, {1.0, 2.0})));
  EXPECT_TRUE(std::isinf(relative_norm_error({}, {})));
  EXPECT_TRUE(std::isinf(relative_norm_error({1.0}, {0.0})));
}

TEST(GemmTolerance, WiderTypesAreTighter) {
  EXPECT_LT(gemm_tolerance(dtype::fp32), gemm_tolerance(dtype::tf32));
  EXPECT_LE(gemm_tolerance(dtype::fp16), gemm_tolerance(dtype::bf16));
  EXPECT_LE(gemm_tolerance(dtype::bf16), gemm_tolerance(dtype::fp8_e4m3));
  EXPECT_LT(gemm_tolerance(dtype::fp8_e4m3), 0.05);
}

TEST(Median, OddEvenAndEmpty) {
  EXPECT_EQ(median({3.0, 1.0, 2.0}), 2.0);
  EXPECT_EQ(median({4.0, 1.0, 3.0, 2.0}), 2.5);
  EXPECT_TRUE(std::isnan(median({})));
}

TEST(Mean, OfASampleAndEmpty) {
  EXPECT_DOUBLE_EQ(mean({1.0, 2.0, 6.0}), 3.0);
  EXPECT_TRUE(std::isnan(mean({})));
}

TEST(RelativeMad, RobustToOneOutlier) {
  // median 10, deviations {0, 1, 1, 990, 0} -> MAD 1
  EXPECT_DOUBLE_EQ(relative_mad({10.0, 9.0, 11.0, 1000.0, 10.0}), 0.1);
  EXPECT_EQ(relative_mad({5.0, 5.0, 5.0}), 0.0);
}

TEST(CpuQuota, ReadsCgroupV2AndV1Lines) {
  EXPECT_EQ(cpu_quota_cpus("max 100000"), "unlimited");
  EXPECT_EQ(cpu_quota_cpus("5000 100000"), "0.05");
  EXPECT_EQ(cpu_quota_cpus("200000 100000"), "2");
  EXPECT_EQ(cpu_quota_cpus("-1 100000"), "unlimited");  // cgroup v1: no quota
}

TEST(EnvironmentFacts, NameTheAuditInputs) {
  std::map<std::string, std::string> f;
  for (const auto& [k, v] : environment_facts()) f[k] = v;
  for (const char* k : {"env_libcuda_path", "env_rlimit_memlock", "env_dev_shm_bytes", "env_cgroup_cpu_max",
                        "env_cpus_allowed", "env_seccomp", "env_ipc_namespace", "env_nvidia_variables"})
    EXPECT_TRUE(f.count(k)) << k;
  EXPECT_GT(std::stoi(f["env_cpus_allowed"]), 0);
  EXPECT_EQ(f["env_ipc_namespace"].rfind("ipc:[", 0), 0u) << f["env_ipc_namespace"];
}

TEST(ParseBytes, UnitsArePowersOf1024) {
  EXPECT_EQ(parse_bytes("4096"), 4096u);
  EXPECT_EQ(parse_bytes("64KiB"), 64u << 10);
  EXPECT_EQ(parse_bytes("512MiB"), 512u << 20);
  EXPECT_EQ(parse_bytes("1GiB"), std::size_t{1} << 30);
  EXPECT_EQ(parse_bytes("2G"), std::size_t{2} << 30);
  EXPECT_EQ(parse_bytes("3m"), std::size_t{3} << 20);
}

TEST(ParseBytes, RejectsNonsenseNamingTheText) {
  for (const char* bad : {"", "0", "-5", "12X", "GiB", "1.5GiB", "99999999999999999999"}) {
    try {
      parse_bytes(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::string("'") + bad + "'"), std::string::npos);
    }
  }
}

TEST(RandomCycle, VisitsEverySlotOnce) {
  const std::size_t n = 10007;
  const auto next = random_cycle(n, 42);
  std::set<std::uint32_t> seen;
  std::uint32_t at = 0;
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_TRUE(seen.insert(at).second) << "slot " << at << " revisited after " << i << " steps";
    at = next[at];
  }
  EXPECT_EQ(at, 0u);
  EXPECT_EQ(seen.size(), n);
}

TEST(RandomCycle, DependsOnSeedAndIsNotSequential) {
  const auto a = random_cycle(1000, 1), b = random_cycle(1000, 2);
  EXPECT_NE(a, b);
  int sequential = 0;
  for (std::uint32_t i = 0; i < 1000; ++i) sequential += a[i] == (i + 1) % 1000;
  EXPECT_LT(sequential, 10);
}

}  // namespace
}  // namespace gpuparity
