#include "affinity.hpp"

#include <gtest/gtest.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace gpuparity {
namespace {

TEST(CpuList, ParsesRangesAndSingles) {
  EXPECT_EQ(parse_cpu_list("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpu_list("5"), (std::vector<int>{5}));
  EXPECT_TRUE(parse_cpu_list("").empty());
  EXPECT_EQ(parse_cpu_list("3,1-2,2"), (std::vector<int>{1, 2, 3}));
}

TEST(CpuList, RejectsMalformedText) {
  EXPECT_THROW(parse_cpu_list("0-"), std::invalid_argument);
  EXPECT_THROW(parse_cpu_list("a"), std::invalid_argument);
  EXPECT_THROW(parse_cpu_list("4-2"), std::invalid_argument);
  EXPECT_THROW(parse_cpu_list("1,,2"), std::invalid_argument);
}

TEST(CpuList, FormatsRoundTrip) {
  EXPECT_EQ(format_cpu_list({0, 1, 2, 3, 8, 10, 11}), "0-3,8,10-11");
  EXPECT_EQ(format_cpu_list({}), "");
  EXPECT_EQ(format_cpu_list(parse_cpu_list("0-55,112-167")), "0-55,112-167");
}

TEST(PciSysfsPath, AcceptsCudaAndNvmlSpellings) {
  EXPECT_EQ(pci_sysfs_path("0000:1B:00.0"), "0000:1b:00.0");
  EXPECT_EQ(pci_sysfs_path("00000000:1B:00.0"), "0000:1b:00.0");
}

class FakeSysfs : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        std::filesystem::temp_directory_path() / ("gpuparity-affinity-" + std::to_string(getpid()));
    std::filesystem::create_directories(root_ / "0000:1b:00.0");
    sched_getaffinity(0, sizeof original_, &original_);
  }
  void TearDown() override {
    sched_setaffinity(0, sizeof original_, &original_);
    std::filesystem::remove_all(root_);
  }
  void write_local(const std::string& text) {
    std::ofstream(root_ / "0000:1b:00.0" / "local_cpulist") << text << "\n";
  }
  int first_allowed() const {
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &original_)) return c;
    return -1;
  }
  std::filesystem::path root_;
  cpu_set_t original_{};
};

TEST_F(FakeSysfs, BindsToTheLocalCpusItMayUse) {
  const int c = first_allowed();
  ASSERT_GE(c, 0);
  write_local(std::to_string(c));
  const auto r = bind_to_gpu_local_cpus("00000000:1B:00.0", root_.string());
  EXPECT_TRUE(r.applied) << r.description;
  cpu_set_t now;
  ASSERT_EQ(sched_getaffinity(0, sizeof now, &now), 0);
  EXPECT_EQ(CPU_COUNT(&now), 1);
  EXPECT_TRUE(CPU_ISSET(c, &now));
}

TEST_F(FakeSysfs, LeavesAffinityAloneWhenNoLocalCpuIsAllowed) {
  write_local(std::to_string(CPU_SETSIZE - 1));  // not in any real cpuset
  const auto r = bind_to_gpu_local_cpus("0000:1b:00.0", root_.string());
  EXPECT_FALSE(r.applied);
  EXPECT_NE(r.description.find("cpuset"), std::string::npos) << r.description;
  cpu_set_t now;
  ASSERT_EQ(sched_getaffinity(0, sizeof now, &now), 0);
  EXPECT_EQ(CPU_COUNT(&now), CPU_COUNT(&original_));
}

TEST_F(FakeSysfs, SaysWhyWhenSysfsHasNoEntry) {
  const auto r = bind_to_gpu_local_cpus("0000:99:00.0", root_.string());
  EXPECT_FALSE(r.applied);
  EXPECT_NE(r.description.find("not readable"), std::string::npos) << r.description;
  EXPECT_FALSE(bind_to_gpu_local_cpus("", root_.string()).applied);
}

}  // namespace
}  // namespace gpuparity
