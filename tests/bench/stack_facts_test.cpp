// The stack evidence a workload reports without a GPU: variables, device nodes, libraries.
#include "stack_facts.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "environment.hpp"

namespace gpuparity {
namespace {

std::map<std::string, std::string> as_map(const fact_list& f) { return {f.begin(), f.end()}; }

TEST(StackVariables, CapturesTheOnesTheStackReadsAndNothingElse) {
  char a[] = "NVIDIA_TF32_OVERRIDE=0", b[] = "CUBLAS_WORKSPACE_CONFIG=:4096:8", c[] = "HOME=/root",
       d[] = "LD_LIBRARY_PATH=/usr/local/cuda/compat", e[] = "NCCL_P2P_DISABLE=1",
       g[] = "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1";
  char* env[] = {a, b, c, d, e, g, nullptr};
  const auto f = as_map(stack_variable_facts(env));
  EXPECT_EQ(f.at("env_var_NVIDIA_TF32_OVERRIDE"), "0");
  EXPECT_EQ(f.at("env_var_CUBLAS_WORKSPACE_CONFIG"), ":4096:8");
  EXPECT_EQ(f.at("env_var_LD_LIBRARY_PATH"), "/usr/local/cuda/compat");
  EXPECT_EQ(f.at("env_var_NCCL_P2P_DISABLE"), "1");
  EXPECT_EQ(f.at("env_var_TORCH_ALLOW_TF32_CUBLAS_OVERRIDE"), "1");
  EXPECT_EQ(f.count("env_var_HOME"), 0u);
  EXPECT_EQ(f.at("env_variables"),
            "CUBLAS_WORKSPACE_CONFIG LD_LIBRARY_PATH NCCL_P2P_DISABLE NVIDIA_TF32_OVERRIDE "
            "TORCH_ALLOW_TF32_CUBLAS_OVERRIDE");
  char* empty[] = {c, nullptr};
  EXPECT_EQ(as_map(stack_variable_facts(empty)).at("env_variables"), "none");
}

TEST(StackVariables, OutputIsBoundedInLengthAndCount) {
  std::vector<std::string> entries;
  for (int i = 0; i < 150; ++i) entries.push_back("NCCL_VAR_" + std::to_string(1000 + i) + "=1");
  entries.push_back("LD_LIBRARY_PATH=" + std::string(5000, 'x'));
  std::vector<char*> env;
  for (auto& e : entries) env.push_back(e.data());
  env.push_back(nullptr);
  const auto f = as_map(stack_variable_facts(env.data()));
  // Sorted by name: LD_LIBRARY_PATH comes first and is cut; 96 are kept, 55 counted.
  EXPECT_EQ(f.at("env_var_LD_LIBRARY_PATH"), std::string(1024, 'x') + "... (5000 bytes)");
  EXPECT_EQ(f.at("env_variables_dropped"), "55");
  EXPECT_EQ(f.count("env_var_NCCL_VAR_1094"), 1u);
  EXPECT_EQ(f.count("env_var_NCCL_VAR_1095"), 0u);
  std::size_t listed = 0;
  for (const auto& [k, v] : f) listed += k.rfind("env_var_", 0) == 0;
  EXPECT_EQ(listed, 96u);
}

TEST(StackVariables, TheProcessEnvironmentIsRecorded) {
  ASSERT_EQ(setenv("CUBLASLT_LOG_LEVEL", "2", 1), 0);
  const auto f = as_map(environment_facts());
  unsetenv("CUBLASLT_LOG_LEVEL");
  EXPECT_EQ(f.at("env_var_CUBLASLT_LOG_LEVEL"), "2");
  EXPECT_NE(f.at("env_variables").find("CUBLASLT_LOG_LEVEL"), std::string::npos);
}

TEST(DeviceNodes, AMachineWithoutNodesNamesTheNeededOnesMissing) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "dev_without_nvidia";
  std::filesystem::create_directories(dir);
  const auto f = as_map(device_node_facts(dir.string()));
  EXPECT_EQ(f.at("env_device_nodes"), "none");
  EXPECT_EQ(f.at("env_dev_nvidiactl"), "missing");
  EXPECT_EQ(f.at("env_dev_nvidia-uvm"), "missing");
}

TEST(DeviceNodes, ListsNodesCapsAndWhetherTheyOpen) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "dev_with_nvidia";
  std::filesystem::create_directories(dir / "nvidia-caps");
  for (const char* n : {"nvidiactl", "nvidia0", "nvidia-uvm", "nvidia-caps/nvidia-cap1"})
    std::ofstream(dir / n) << "";
  const auto f = as_map(device_node_facts(dir.string()));
  EXPECT_EQ(f.at("env_device_nodes"), "nvidia-caps/nvidia-cap1 nvidia-uvm nvidia0 nvidiactl");
  EXPECT_EQ(f.at("env_dev_nvidiactl"), "ok");
  EXPECT_EQ(f.at("env_dev_nvidia0"), "ok");
  EXPECT_EQ(f.at("env_dev_nvidia-caps/nvidia-cap1"), "ok");
  EXPECT_EQ(f.count("env_dev_nvidia-uvm-tools"), 0u);
}

TEST(KernelModule, VersionFromProcText) {
  EXPECT_EQ(kernel_module_version("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  "
                                  "580.159.04  Release Build  (dvs-builder@U22)  Thu Oct\nGCC"),
            "580.159.04");
  EXPECT_EQ(kernel_module_version(""), "");
}

TEST(Libraries, LibcIsListedWithItsRealPathAndVersion) {
  const auto f = as_map(library_facts());
  ASSERT_EQ(f.count("env_lib_c_path"), 1u) << f.at("env_libraries");
  EXPECT_NE(f.at("env_lib_c_path").find("libc"), std::string::npos);
  EXPECT_EQ(f.at("env_lib_c_path").front(), '/');
  EXPECT_NE(f.at("env_lib_c_version"), "unknown");
  EXPECT_NE(f.at("env_libraries").find('c'), std::string::npos);
}

TEST(Libraries, VersionComesFromTheRealFileName) {
  EXPECT_EQ(version_of_library_file("/usr/lib/libcublasLt.so.13.0.2.14"), "13.0.2.14");
  EXPECT_EQ(version_of_library_file("/usr/local/cuda-12.2/compat/libcuda.so.535.104.05"),
            "535.104.05");
  EXPECT_EQ(version_of_library_file("/usr/local/nvidia/lib64/libcuda.so.1"), "");
}

}  // namespace
}  // namespace gpuparity
