#include "no_gpu_message.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace gpuparity {
namespace {

no_gpu_cause insufficient_driver(bool driver_loaded) {
  no_gpu_cause c;
  c.error_name = "cudaErrorInsufficientDriver";
  c.error_text = "CUDA driver version is insufficient for CUDA runtime version";
  c.driver_loaded = driver_loaded;
  return c;
}

// No driver at all: CUDA's "insufficient" would send the user to upgrade a driver that
// is not there.
TEST(NoGpuMessage, NoDriverLoadedSaysSoNotInsufficient) {
  for (const char* name : {"cudaErrorInsufficientDriver", "cudaErrorNoDevice"}) {
    auto c = insufficient_driver(false);
    c.error_name = name;
    const auto m = no_gpu_message(c);
    EXPECT_EQ(m.rfind("no usable CUDA GPU", 0), 0u) << m;
    EXPECT_NE(m.find("no NVIDIA driver is loaded on this machine"), std::string::npos) << m;
    EXPECT_NE(m.find("install the NVIDIA driver"), std::string::npos) << m;
    EXPECT_NE(m.find(name), std::string::npos) << "CUDA's error name stays: " << m;
    EXPECT_EQ(m.find("insufficient"), std::string::npos) << m;
  }
}

// With the module loaded, CUDA's words stand: an old driver, or a container the runtime
// gave no libcuda.
TEST(NoGpuMessage, LoadedDriverKeepsCudasWords) {
  const auto m = no_gpu_message(insufficient_driver(true));
  EXPECT_NE(m.find("(cudaErrorInsufficientDriver: CUDA driver version is insufficient"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("docker --gpus all"), std::string::npos) << m;
  EXPECT_EQ(m.find("no NVIDIA driver is loaded"), std::string::npos) << m;
  // Another error without a driver is not guessed at.
  auto other = insufficient_driver(false);
  other.error_name = "cudaErrorInitializationError";
  other.error_text = "initialization error";
  EXPECT_NE(no_gpu_message(other).find("(cudaErrorInitializationError: initialization error)"),
            std::string::npos);
}

TEST(NoGpuMessage, DeviceOutOfRange) {
  no_gpu_cause c;
  c.device_count = 1;
  c.device = 1;
  c.driver_loaded = true;
  EXPECT_NE(no_gpu_message(c).find("(device 1 requested but only 1 visible)"), std::string::npos);
}

TEST(NoGpuMessage, DriverLoadedIsTheVersionFilesPresence) {
  const std::string f = ::testing::TempDir() + "nvidia_version_" + std::to_string(getpid());
  EXPECT_FALSE(nvidia_driver_loaded(f));
  std::ofstream(f) << "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04\n";
  EXPECT_TRUE(nvidia_driver_loaded(f));
  std::remove(f.c_str());
}

}  // namespace
}  // namespace gpuparity
