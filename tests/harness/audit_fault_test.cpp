// The audit replayed on an H100's real evidence (results/NVIDIA_H100_80GB_HBM3/runs,
// natively and in podman with CDI), each fault made by editing one fact of the container's
// context: the top finding must name the cause, explain the degraded metric and fix it.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "audit_evidence.hpp"
#include "json_util.hpp"

namespace gpuparity::harness {
namespace {

using namespace audit_evidence;

const std::string tf32 = "gemm/cublaslt/tf32/8192:flop_per_second";
const std::string bf16 = "gemm/cublaslt/bf16/8192:flop_per_second";
const std::string copy = "stream/copy:bytes_per_second";

TEST(AuditFaults, HealthyRunsWithAndWithoutTheNewEvidenceGiveNoWarning) {
  for (const char* r :
       {"parity-podman.report.json", "parity-podman-99.report.json",
        "parity-podman-focus.report.json", "parity-podman-long-focus.report.json",
        "rule-39679a4/parity-podman-1.report.json", "rule-39679a4/parity-podman-2.report.json"})
    expect_no_warning(audit(side_of(r, "native"), side_of(r, "container"), container_config{}));
}

// The healthy run's differences (podman's 64 MB /dev/shm, seccomp, its own IPC namespace,
// image variables, CDI's libcuda.so.1) become one info finding that names them.
TEST(AuditFaults, AHealthyRunsDifferencesAreOneInfoListThatNamesThem) {
  const sides s;
  const auto f = audit(s.n, s.c, container_config{});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].id, "other_differences");
  EXPECT_EQ(f[0].severity, "info");
  EXPECT_TRUE(f[0].explains.empty());
  for (const char* part : {"/dev/shm size", "seccomp mode", "IPC namespace"})
    EXPECT_TRUE(has(f[0].title, part)) << part << " in " << f[0].title;
  EXPECT_TRUE(has(f[0].container, "NCCL's shared-memory transport")) << f[0].container;
}

// Nothing the healthy evidence differs in (image metadata such as NCCL_VERSION and
// TORCH_CUDA_ARCH_LIST, the native CUDA_HOME, LD_LIBRARY_PATH) can explain a metric: noise
// in any family must not be blamed on them.
TEST(AuditFaults, NoiseInEveryFamilyIsBlamedOnNothingInAHealthyRun) {
  const sides s;
  const std::map<std::string, std::string> everything = {
      {tf32, "compute"},
      {bf16, "compute"},
      {copy, "bandwidth"},
      {"latency/launch:latency_seconds", "round_trip"},
      {"startup/first_kernel:seconds", "startup"},
      {"torch/matmul/bf16/8192:flop_per_second", "compute"},
      {"nccl/all_reduce/1GiB:bytes_per_second", "bandwidth"}};
  const auto f = audit(s.n, s.c, container_config{}, everything);
  for (const auto& x : f) {
    // NCCL degraded with podman's 64 MB /dev/shm and its own IPC namespace: both may be why.
    if (x.id == "small_dev_shm" || x.id == "private_ipc_namespace") continue;
    EXPECT_TRUE(x.explains.empty()) << x.id << ": " << x.title;
  }
  EXPECT_TRUE(has(f.back().title, "NCCL_VERSION")) << f.back().title;
}

// The committed --cpus 0.5 run, replayed with the metrics it judged degraded.
TEST(AuditFaults, TheCpuQuotaRunExplainsItsDegradedRoundTrips) {
  const char* r = "rule-39679a4/cpu-quota-half.report.json";
  const auto report =
      read_json_file(std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/" + r);
  std::map<std::string, std::string> degraded;
  for (const auto& m : report["metrics"])
    if (m["verdict"] == "degraded" && m["decides"] == true)
      degraded[m["name"].get<std::string>()] = m["class"].get<std::string>();
  ASSERT_EQ(degraded.size(), 3u);
  const auto f = audit(side_of(r, "native"), side_of(r, "container"), container_config{}, degraded);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "cpu_quota");
  EXPECT_TRUE(has(f[0].container, "50000 100000"));
  EXPECT_EQ(f[0].explains.size(), 3u);
  for (std::size_t i = 1; i < f.size(); ++i) EXPECT_EQ(f[i].severity, "info") << f[i].id;
}

TEST(AuditFaults, Tf32OverrideInTheImageExplainsTheTensorCoreGemms) {
  sides s;
  s.container_sets("NVIDIA_TF32_OVERRIDE", "0");
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
  s.container_sets("CUBLAS_WORKSPACE_CONFIG", ":0:0");
  const auto f = audit(s.n, s.c, container_config{}, {{bf16, "compute"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "math_mode_variable");
  EXPECT_TRUE(names(f[0].explains, bf16));
  EXPECT_TRUE(has(f[0].fix, "CUBLAS_WORKSPACE_CONFIG"));
}

TEST(AuditFaults, AMathVariableThatExplainsNothingIsOnlyListed) {
  sides s;
  s.container_sets("NVIDIA_TF32_OVERRIDE", "0");
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

TEST(AuditFaults, CudaLaunchBlockingExplainsEveryDegradedMetric) {
  sides s;
  s.container_sets("CUDA_LAUNCH_BLOCKING", "1");
  const std::string launch = "latency/launch:latency_seconds";
  const auto f = audit(s.n, s.c, container_config{}, {{launch, "round_trip"}, {copy, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "environment_variable");
  EXPECT_TRUE(names(f[0].explains, launch));
  EXPECT_TRUE(names(f[0].explains, copy));
  EXPECT_TRUE(has(f[0].container, "CUDA_LAUNCH_BLOCKING=1"));
  EXPECT_TRUE(has(f[0].native, "CUDA_LAUNCH_BLOCKING=unset"));
  EXPECT_TRUE(has(f[0].fix, "remove it from the image's ENV")) << f[0].fix;
}

TEST(AuditFaults, ModuleLoadingExplainsStartupOnly) {
  sides s;
  s.container_sets("CUDA_MODULE_LOADING", "EAGER");
  const std::string start = "startup/first_kernel:seconds";
  const auto f = audit(s.n, s.c, container_config{}, {{start, "startup"}, {bf16, "compute"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "environment_variable");
  EXPECT_EQ(f[0].explains, std::vector<std::string>{start});
}

TEST(AuditFaults, DeviceMaxConnectionsAndLdPreloadExplainAnything) {
  for (const auto& [var, value] : std::map<std::string, std::string>{
           {"CUDA_DEVICE_MAX_CONNECTIONS", "1"}, {"LD_PRELOAD", "/opt/hook/libintercept.so"}}) {
    sides s;
    s.container_sets(var, value);
    const auto f = audit(s.n, s.c, container_config{}, {{copy, "bandwidth"}});
    ASSERT_FALSE(f.empty()) << var;
    EXPECT_EQ(f[0].id, "environment_variable") << var;
    EXPECT_TRUE(names(f[0].explains, copy)) << var;
    EXPECT_TRUE(has(f[0].container, var + "=" + value)) << f[0].container;
  }
}

TEST(AuditFaults, ACublasLtVariableExplainsTheGemmsNotTheCopies) {
  sides s;
  s.container_sets("CUBLASLT_LOG_LEVEL", "5");
  const auto f = audit(s.n, s.c, container_config{}, {{bf16, "compute"}, {copy, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "math_mode_variable");
  EXPECT_EQ(f[0].explains, std::vector<std::string>{bf16});
}

TEST(AuditFaults, AVariableSetOnlyNativelyIsFixedByPassingIt) {
  sides s;
  s.n.context["env_var_NVIDIA_TF32_OVERRIDE"] = "0";
  s.n.context["env_variables"] += " NVIDIA_TF32_OVERRIDE";
  const auto f = audit(s.n, s.c, container_config{}, {{tf32, "compute"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "math_mode_variable");
  EXPECT_TRUE(has(f[0].container, "NVIDIA_TF32_OVERRIDE=unset"));
  EXPECT_TRUE(has(f[0].fix, "-e NVIDIA_TF32_OVERRIDE=0")) << f[0].fix;
}

TEST(AuditFaults, ImageMetadataVariablesExplainNothing) {
  sides s;
  s.container_sets("NCCL_VERSION", "2.21.5-1");
  s.container_sets("TORCH_CUDA_ARCH_LIST", "8.0 9.0");
  s.c.context["env_dev_shm_bytes"] = s.n.context.at("env_dev_shm_bytes");  // NCCL's own need
  s.c.context["env_ipc_namespace"] = s.n.context.at("env_ipc_namespace");  // and the other
  expect_no_warning(audit(s.n, s.c, container_config{},
                          {{"nccl/all_reduce/1GiB:bytes_per_second", "bandwidth"},
                           {"torch/matmul/bf16/8192:flop_per_second", "compute"}}));
}

// cuda-compat newer than the kernel module is forward compatibility: with the GPU working
// it is listed, and it explains what is degraded.
TEST(AuditFaults, ANewerCompatLibcudaThatWorksIsListedUnlessSomethingIsDegraded) {
  sides s;
  s.c.context["env_libcuda_path"] = "/usr/local/cuda/compat/libcuda.so.590.10.01";
  s.c.context["env_libcuda_version"] = "590.10.01";
  expect_no_warning(audit(s.n, s.c, container_config{}));
  const auto f = audit(s.n, s.c, container_config{}, {{bf16, "compute"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "libcuda_version_mismatch");
  EXPECT_TRUE(names(f[0].explains, bf16));
  for (const char* part : {"590.10.01", "580.159.04", "/usr/local/cuda/compat"})
    EXPECT_TRUE(has(f[0].native + f[0].container + f[0].fix, part)) << part;
}

TEST(AuditFaults, AMissingNvidiactlIsNamedNotTheMissingGpuFlags) {
  sides s;  // --no-gpu-flags, --device /dev/nvidia0 --device /dev/nvidia-uvm, driver mounted
  s.c.context["env_device_nodes"] = "nvidia-uvm nvidia0";
  s.c.context["env_dev_nvidiactl"] = "missing";
  s.no_gpu_in_container("cudaErrorNoDevice: no CUDA-capable device is detected");
  container_config by_hand;
  by_hand.gpu_flags = false;
  const auto f = audit(s.n, s.c, by_hand);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  EXPECT_TRUE(has(f[0].container, "/dev/nvidiactl: missing")) << f[0].container;
  EXPECT_TRUE(has(f[0].container, "natively /dev/nvidiactl: ok")) << f[0].container;
  EXPECT_TRUE(has(f[0].fix, "--device /dev/nvidiactl")) << f[0].fix;
  EXPECT_TRUE(has(f[0].fix, "nvidia.com/gpu=all")) << f[0].fix;
  EXPECT_FALSE(has(f[0].fix, "--no-gpu-flags")) << f[0].fix;
  // Without any NVIDIA node the flags are the cause.
  s.c.context["env_device_nodes"] = "none";
  s.c.context["env_dev_nvidia-uvm"] = "missing";
  s.c.context.erase("env_dev_nvidia0");
  s.c.context.erase("env_dev_nvidia-uvm-tools");
  EXPECT_TRUE(has(audit(s.n, s.c, by_hand)[0].fix, "--no-gpu-flags"));
}

// Work across GPUs (the node-wide run's peer/ and nccl/ cases), on the same H100 evidence.
const std::string all_reduce = "nccl/all_reduce/1048576:bytes_per_second";
const std::string peer = "peer/bandwidth/0to1:bytes_per_second";
const std::string gpu_a = "GPU-aaaaaaaa-0000-0000-0000-000000000000";
const std::string gpu_b = "GPU-bbbbbbbb-0000-0000-0000-000000000000";

// Docker's default 64 MB /dev/shm and an all-reduce that failed in the container: the top
// finding names both sizes and the fix.
TEST(AuditFaults, ASmallShmExplainsAnNcclCaseThatFailedInTheContainer) {
  sides s;
  s.c.context["env_dev_shm_bytes"] = "67108864";
  s.c.context["env_ipc_namespace"] = s.n.context.at("env_ipc_namespace");
  const auto f = audit(s.n, s.c, container_config{}, {{all_reduce, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "small_dev_shm");
  EXPECT_EQ(f[0].container, "67108864 bytes");
  EXPECT_EQ(f[0].native, s.n.context.at("env_dev_shm_bytes") + " bytes");
  EXPECT_TRUE(has(f[0].fix, "--shm-size=1g")) << f[0].fix;
  EXPECT_TRUE(has(f[0].fix, "--ipc=host")) << f[0].fix;
  EXPECT_TRUE(names(f[0].explains, all_reduce));
}

// podman's own IPC namespace explains nothing single-GPU (the healthy runs), but is named
// with its fix when work across GPUs is degraded or failed.
TEST(AuditFaults, APrivateIpcNamespaceExplainsOnlyWorkAcrossGpus) {
  sides s;
  s.c.context["env_dev_shm_bytes"] = s.n.context.at("env_dev_shm_bytes");
  ASSERT_NE(s.n.context.at("env_ipc_namespace"), s.c.context.at("env_ipc_namespace"));
  expect_no_warning(audit(s.n, s.c, container_config{}, {{copy, "bandwidth"}}));
  const auto f =
      audit(s.n, s.c, container_config{}, {{all_reduce, "bandwidth"}, {copy, "bandwidth"}});
  const finding* ipc = find(f, "private_ipc_namespace");
  ASSERT_NE(ipc, nullptr);
  EXPECT_EQ(ipc->severity, "warning");
  EXPECT_EQ(ipc->explains, std::vector<std::string>{all_reduce});
  EXPECT_TRUE(has(ipc->container, s.c.context.at("env_ipc_namespace")));
  EXPECT_TRUE(has(ipc->fix, "--ipc=host"));
}

// A peer case over NVLink natively and through the host in the container (Google Benchmark's
// label): a warning that explains that case's metric only; the same labels with the metric
// at parity are listed, not warned.
TEST(AuditFaults, APeerLinkLostInTheContainerExplainsItsPeerCase) {
  sides s;
  s.n.labels["peer/bandwidth/0to1"] = "link=nvlink";
  s.c.labels["peer/bandwidth/0to1"] = "link=host";
  s.n.labels["peer/latency/0to1"] = "link=nvlink";
  s.c.labels["peer/latency/0to1"] = "link=nvlink";
  const auto f = audit(s.n, s.c, container_config{}, {{peer, "bandwidth"}, {copy, "bandwidth"}});
  const finding* p2p = find(f, "peer_p2p_unavailable");
  ASSERT_NE(p2p, nullptr);
  EXPECT_EQ(p2p->explains, std::vector<std::string>{peer});
  EXPECT_EQ(p2p->native, "peer/bandwidth/0to1 link=nvlink");
  EXPECT_EQ(p2p->container, "peer/bandwidth/0to1 link=host");
  EXPECT_TRUE(has(p2p->fix, "--ipc=host") && has(p2p->fix, "NVIDIA_VISIBLE_DEVICES")) << p2p->fix;
  const auto quiet = audit(s.n, s.c, container_config{}, {{copy, "bandwidth"}});
  EXPECT_EQ(find(quiet, "peer_p2p_unavailable"), nullptr);
  EXPECT_TRUE(has(quiet.back().title, "peer links")) << quiet.back().title;
}

// Two GPUs natively, one in the container: with peer or nccl cases run, an error that names
// both sets (never parity); for single-GPU work only a listed difference.
TEST(AuditFaults, ADifferentGpuSetIsAnErrorForWorkAcrossGpus) {
  sides s;
  s.n.context["gpu_uuids"] = gpu_a + "," + gpu_b;
  s.n.context["gpu_device_count"] = "2";
  s.c.context["gpu_uuids"] = gpu_a;
  s.c.context["gpu_device_count"] = "1";
  const auto single = audit(s.n, s.c, container_config{});
  EXPECT_EQ(find(single, "gpu_set_differs"), nullptr);
  EXPECT_TRUE(has(single.back().title, "GPUs visible")) << single.back().title;
  s.n.cases = {"peer/bandwidth/0to1", "nccl/all_reduce/1048576"};
  s.c.cases = {"nccl/all_reduce/1048576"};
  const auto f =
      audit(s.n, s.c, container_config{}, {{all_reduce, "bandwidth"}, {peer, "bandwidth"}});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "gpu_set_differs");
  EXPECT_EQ(f[0].severity, "error");
  EXPECT_EQ(f[0].native, "2 GPU(s): " + gpu_a + ", " + gpu_b);
  EXPECT_EQ(f[0].container, "1 GPU(s): " + gpu_a);
  EXPECT_TRUE(names(f[0].explains, peer));
  // The same count of other GPUs is as wrong as fewer.
  s.c.context["gpu_uuids"] = gpu_a + ",GPU-cccccccc-0000-0000-0000-000000000000";
  s.c.context["gpu_device_count"] = "2";
  EXPECT_EQ(audit(s.n, s.c, container_config{})[0].id, "gpu_set_differs");
}

}  // namespace
}  // namespace gpuparity::harness
