// The audit replayed on an H100's real evidence (results/NVIDIA_H100_80GB_HBM3/runs,
// natively and in podman with CDI), each fault made by editing one fact of the container's
// context: the top finding must name the cause, explain the degraded metric and fix it.
#include <gtest/gtest.h>

#include <set>

#include "audit.hpp"
#include "json_util.hpp"

namespace gpuparity::harness {
namespace {

side_view side_of(const std::string& report, const char* side) {
  const auto j =
      read_json_file(std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/" + report);
  side_view v;
  for (const auto& [k, val] : j["sides"][side].items()) v.context[k] = val.get<std::string>();
  return v;
}

// Both sides of the healthy podman run, with the stack evidence the bench now records set
// alike on both (the committed reports predate it).
struct sides {
  side_view n = side_of("parity-podman.report.json", "native");
  side_view c = side_of("parity-podman.report.json", "container");
  sides() {
    for (auto* s : {&n, &c})
      s->context.insert({{"env_variables", "NVIDIA_VISIBLE_DEVICES"},
                         {"env_var_NVIDIA_VISIBLE_DEVICES", "0"},
                         {"env_libraries", "c cublas cublasLt cuda"},
                         {"env_lib_cublasLt_path", "/usr/local/cuda-13.0/lib64/libcublasLt.so.13"},
                         {"env_lib_cublasLt_version", "130000"},
                         {"env_device_nodes", "nvidia-uvm nvidia-uvm-tools nvidia0 nvidiactl"},
                         {"env_dev_nvidiactl", "ok"},
                         {"env_dev_nvidia0", "ok"},
                         {"env_dev_nvidia-uvm", "ok"},
                         {"env_dev_nvidia-uvm-tools", "ok"},
                         {"env_nvidia_kernel_module", "580.159.04"},
                         {"env_libcuda_on_library_path", "none"}});
  }
  // The container without a GPU, as CUDA's failure leaves its context.
  void no_gpu_in_container(const std::string& cuda_error) {
    c.context.erase("gpu_uuid");
    c.context["gpuparity_error"] = "no usable CUDA GPU (" + cuda_error + ")";
    c.exit_code = 5;
  }
};

bool names(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

void expect_no_warning(const std::vector<finding>& f) {
  for (const auto& x : f) EXPECT_EQ(x.severity, "info") << x.id << ": " << x.title;
}

const std::string tf32 = "gemm/cublaslt/tf32/8192:flop_per_second";
const std::string bf16 = "gemm/cublaslt/bf16/8192:flop_per_second";
const std::string copy = "stream/copy:bytes_per_second";

TEST(AuditFaults, HealthyRunsWithAndWithoutTheNewEvidenceGiveNoWarning) {
  for (const char* r : {"parity-podman.report.json", "parity-podman-99.report.json",
                        "parity-podman-focus.report.json", "parity-podman-long-focus.report.json"})
    expect_no_warning(audit(side_of(r, "native"), side_of(r, "container"), container_config{}));
  const sides s;
  expect_no_warning(audit(s.n, s.c, container_config{}));
}

TEST(AuditFaults, Tf32OverrideInTheImageExplainsTheTensorCoreGemms) {
  sides s;
  s.c.context["env_variables"] = "NVIDIA_TF32_OVERRIDE NVIDIA_VISIBLE_DEVICES";
  s.c.context["env_var_NVIDIA_TF32_OVERRIDE"] = "0";
  const auto f = audit(s.n, s.c, container_config{}, {{tf32, "compute"}, {copy, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "math_mode_variable");
  EXPECT_EQ(f[0].severity, "warning");
  EXPECT_TRUE(names(f[0].explains, tf32));
  EXPECT_FALSE(names(f[0].explains, copy)) << "TF32 math cannot slow a memory copy";
  EXPECT_TRUE(has(f[0].container, "NVIDIA_TF32_OVERRIDE=0"));
  EXPECT_TRUE(has(f[0].native, "unset"));
  EXPECT_TRUE(has(f[0].fix, "NVIDIA_TF32_OVERRIDE"));
}

TEST(AuditFaults, CublasWorkspaceConfigExplainsEveryGemm) {
  sides s;
  s.c.context["env_variables"] = "CUBLAS_WORKSPACE_CONFIG NVIDIA_VISIBLE_DEVICES";
  s.c.context["env_var_CUBLAS_WORKSPACE_CONFIG"] = ":0:0";
  const auto f = audit(s.n, s.c, container_config{}, {{bf16, "compute"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "math_mode_variable");
  EXPECT_TRUE(names(f[0].explains, bf16));
  EXPECT_TRUE(has(f[0].fix, "CUBLAS_WORKSPACE_CONFIG"));
}

TEST(AuditFaults, AMathVariableThatExplainsNothingIsOnlyListed) {
  sides s;
  s.c.context["env_variables"] = "NVIDIA_TF32_OVERRIDE NVIDIA_VISIBLE_DEVICES";
  s.c.context["env_var_NVIDIA_TF32_OVERRIDE"] = "0";
  const auto f = audit(s.n, s.c, container_config{}, {{copy, "bandwidth"}});
  expect_no_warning(f);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f.back().id, "other_differences");
  EXPECT_TRUE(has(f.back().container, "NVIDIA_TF32_OVERRIDE: 0"));
}

TEST(AuditFaults, AMissingDeviceNodeIsNamedWithItsDeviceFlag) {
  sides s;
  s.c.context["env_device_nodes"] = "nvidia0 nvidiactl";
  s.c.context["env_dev_nvidia-uvm"] = "missing";
  s.c.context.erase("env_dev_nvidia-uvm-tools");
  s.no_gpu_in_container("cudaErrorUnknown: unknown error");
  container_config by_hand;  // --no-gpu-flags with --device /dev/nvidia0 /dev/nvidiactl
  by_hand.gpu_flags = false;
  const auto f = audit(s.n, s.c, by_hand);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  EXPECT_EQ(f[0].severity, "error");
  EXPECT_TRUE(has(f[0].container, "/dev/nvidia-uvm: missing")) << f[0].container;
  EXPECT_TRUE(has(f[0].fix, "--device /dev/nvidia-uvm")) << f[0].fix;
  EXPECT_FALSE(has(f[0].fix, "--no-gpu-flags")) << f[0].fix;
}

TEST(AuditFaults, ANodeThatCannotBeOpenedIsNamed) {
  sides s;
  s.c.context["env_dev_nvidiactl"] = "cannot open: Operation not permitted";
  s.no_gpu_in_container("cudaErrorNoDevice: no CUDA-capable device is detected");
  const auto f = audit(s.n, s.c, container_config{});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  EXPECT_TRUE(has(f[0].fix, "/dev/nvidiactl")) << f[0].fix;
  EXPECT_TRUE(has(f[0].fix, "--device")) << f[0].fix;
}

TEST(AuditFaults, ACompatLibcudaOlderThanTheKernelModuleIsNamedWithBothVersions) {
  sides s;
  s.c.context["env_libcuda_on_library_path"] = "/usr/local/cuda-12.2/compat/libcuda.so.535.104.05";
  s.no_gpu_in_container(
      "cudaErrorSystemDriverMismatch: system has unsupported display driver / "
      "cuda driver combination");
  const auto f = audit(s.n, s.c, container_config{});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  for (const char* part :
       {"535.104.05", "580.159.04", "/usr/local/cuda-12.2/compat", "cuda-compat"})
    EXPECT_TRUE(has(f[0].fix, part)) << part << " in " << f[0].fix;
  EXPECT_FALSE(has(f[0].fix, "check the runtime's GPU support"));
}

TEST(AuditFaults, ADifferentCublasLtExplainsTheGemmsOnly) {
  sides s;
  s.c.context["env_lib_cublasLt_path"] = "/opt/conda/lib/libcublasLt.so.12.1.3.1";
  s.c.context["env_lib_cublasLt_version"] = "12.1.3.1";
  const auto f = audit(s.n, s.c, container_config{}, {{bf16, "compute"}, {copy, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "library_differs");
  EXPECT_TRUE(names(f[0].explains, bf16));
  EXPECT_FALSE(names(f[0].explains, copy));
  EXPECT_TRUE(has(f[0].container, "/opt/conda/lib/libcublasLt.so.12.1.3.1"));
  EXPECT_TRUE(has(f[0].fix, "/opt/conda/lib")) << f[0].fix;
  // The same difference with no GEMM degraded explains nothing: listed only.
  expect_no_warning(audit(s.n, s.c, container_config{}, {{copy, "bandwidth"}}));
}

TEST(AuditFaults, ANarrowedCpusetExplainsHostLatencies) {
  sides s;
  s.c.context["env_cgroup_cpuset"] = "0-1";
  s.c.context["env_cpus_allowed"] = "2";
  const std::string launch = "latency/launch:latency_seconds";
  const auto f = audit(s.n, s.c, container_config{}, {{launch, "latency"}, {bf16, "compute"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "cpuset_narrowed");
  EXPECT_TRUE(names(f[0].explains, launch));
  EXPECT_FALSE(names(f[0].explains, bf16));
  EXPECT_TRUE(has(f[0].fix, "--cpuset-cpus"));
}

TEST(AuditFaults, SmallShmWarnsOnlyWhereNcclRanOrAMetricNeedsIt) {
  sides s;  // the healthy run's container already has podman's 64 MB /dev/shm
  ASSERT_LT(std::stod(s.c.context.at("env_dev_shm_bytes")), 1e9);
  expect_no_warning(audit(s.n, s.c, container_config{}));
  const std::string nccl = "nccl/all_reduce/1GiB:bytes_per_second";
  const auto f = audit(s.n, s.c, container_config{}, {{nccl, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "small_dev_shm");
  EXPECT_EQ(f[0].severity, "warning");
  EXPECT_TRUE(names(f[0].explains, nccl));
  EXPECT_TRUE(has(f[0].fix, "--shm-size"));
  s.c.context["env_lib_nccl_path"] = "/usr/lib/x86_64-linux-gnu/libnccl.so.2.27.7";
  EXPECT_NE(audit(s.n, s.c, container_config{}).front().id, "other_differences")
      << "a workload that loaded NCCL can be hurt by a small /dev/shm";
}

}  // namespace
}  // namespace gpuparity::harness
