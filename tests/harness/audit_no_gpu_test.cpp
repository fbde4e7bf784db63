// A container in which CUDA found no GPU, or whose workload left no evidence: the audit must
// name the cause the container's own evidence shows (the H100's real evidence, one fact
// edited per fault, as the fault matrix of tests/gpu/on_gpu_machine.sh makes them).
#include <gtest/gtest.h>

#include "audit_evidence.hpp"

namespace gpuparity::harness {
namespace {

using namespace audit_evidence;

container_config by_hand() {  // --no-gpu-flags with every device node and the driver mounted
  container_config c;
  c.kind = runtime_kind::docker;
  c.gpu_flags = false;
  return c;
}

TEST(AuditNoGpu, CudaVisibleDevicesSetInTheImageIsNamedNotTheGpuFlags) {
  sides s;
  s.container_sets("CUDA_VISIBLE_DEVICES", "-1");
  s.no_gpu_in_container("cudaErrorNoDevice: no CUDA-capable device is detected");
  for (const auto& rt : {by_hand(), container_config{}}) {
    const auto f = audit(s.n, s.c, rt);
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].id, "no_gpu_in_container");
    EXPECT_TRUE(has(f[0].container, "CUDA_VISIBLE_DEVICES=-1")) << f[0].container;
    EXPECT_TRUE(has(f[0].fix, "CUDA_VISIBLE_DEVICES")) << f[0].fix;
    EXPECT_FALSE(has(f[0].fix, "--no-gpu-flags")) << f[0].fix;
  }
}

TEST(AuditNoGpu, DevicesGivenByHandAreNotMissingGpuFlags) {
  sides s;  // every node there and openable, nothing else known: no single cause
  s.no_gpu_in_container("cudaErrorUnknown: unknown error");
  const auto f = audit(s.n, s.c, by_hand());
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  EXPECT_FALSE(has(f[0].fix, "no GPU flags were passed")) << f[0].fix;
}

// CUDA_VISIBLE_DEVICES=0 with one GPU hides nothing: the compat libcuda is the cause.
TEST(AuditNoGpu, AVisibleDevicesValueThatSelectsTheGpuIsNotBlamed) {
  sides s;
  s.container_sets("CUDA_VISIBLE_DEVICES", "0");
  s.c.context["env_libcuda_on_library_path"] = "/usr/local/cuda/compat/libcuda.so.535.104.05";
  s.libcuda_not_loaded();
  s.no_gpu_in_container("cudaErrorSystemDriverMismatch: system has unsupported display driver");
  const auto f = audit(s.n, s.c, container_config{});
  ASSERT_FALSE(f.empty());
  EXPECT_TRUE(has(f[0].fix, "535.104.05")) << f[0].fix;
  EXPECT_FALSE(has(f[0].fix, "CUDA_VISIBLE_DEVICES")) << f[0].fix;
  // An index past the container's GPUs, or a UUID the host lacks, hides it.
  for (const char* hiding : {"1", "GPU-00000000-dead-beef-0000-000000000000", ""}) {
    sides h;
    h.container_sets("CUDA_VISIBLE_DEVICES", hiding);
    h.no_gpu_in_container("cudaErrorNoDevice: no CUDA-capable device is detected");
    EXPECT_TRUE(has(audit(h.n, h.c, container_config{})[0].fix, "CUDA_VISIBLE_DEVICES"))
        << "'" << hiding << "'";
  }
}

TEST(AuditNoGpu, TooFewFileDescriptorsAreNamedNotTheDeviceNodes) {
  sides s;
  s.c.context["env_rlimit_nofile"] = "16/16";
  s.c.context["env_dev_nvidiactl"] = "cannot open: Too many open files";
  s.no_gpu_in_container("cudaErrorUnknown: unknown error");
  const auto f = audit(s.n, s.c, by_hand());
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  EXPECT_TRUE(has(f[0].fix, "--ulimit nofile=")) << f[0].fix;
  EXPECT_FALSE(has(f[0].fix, "bind mount")) << "EMFILE is not a device permission: " << f[0].fix;
  EXPECT_TRUE(has(f[0].container, "RLIMIT_NOFILE 16/16")) << f[0].container;
  // 512 descriptors are plenty: a missing node is the cause then.
  sides few;
  few.c.context["env_rlimit_nofile"] = "512/512";
  few.c.context["env_dev_nvidia-uvm"] = "missing";
  few.no_gpu_in_container("cudaErrorUnknown: unknown error");
  EXPECT_TRUE(has(audit(few.n, few.c, by_hand())[0].fix, "--device /dev/nvidia-uvm"));
  // A limit that is low but not the cause stays out of the way when the GPU works.
  sides ok;
  ok.c.context["env_rlimit_nofile"] = "512/512";
  expect_no_warning(audit(ok.n, ok.c, container_config{}));
}

TEST(AuditNoGpu, TheDriversLibcudaOffTheLoadersPathIsNamedWithItsFolder) {
  sides s;  // LD_LIBRARY_PATH=/opt/nothing: CDI mounted libcuda in /usr/local/nvidia/lib64
  s.container_sets("LD_LIBRARY_PATH", "/opt/nothing");
  s.libcuda_not_loaded();
  s.c.context["env_libcuda_on_library_path"] = "none";
  s.c.context["env_libcuda_files"] = "/usr/local/nvidia/lib64";
  s.c.context["env_libcuda_dlopen"] = "libcuda.so.1: cannot open shared object file";
  s.no_gpu_in_container("cudaErrorInsufficientDriver: CUDA driver version is insufficient");
  const auto f = audit(s.n, s.c, container_config{});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "no_gpu_in_container");
  EXPECT_TRUE(has(f[0].fix, "/usr/local/nvidia/lib64")) << f[0].fix;
  EXPECT_TRUE(has(f[0].fix, "LD_LIBRARY_PATH=/opt/nothing")) << f[0].fix;
  EXPECT_FALSE(has(f[0].fix, "did not mount")) << f[0].fix;
  // Not mounted at all: then the runtime's hook or CDI spec is the cause.
  s.c.context["env_libcuda_files"] = "none";
  EXPECT_TRUE(has(audit(s.n, s.c, container_config{})[0].fix, "did not mount"));
  // In a folder the loader always searches, or there but failing to load: no path problem.
  s.c.context["env_libcuda_files"] = "/usr/lib/x86_64-linux-gnu";
  EXPECT_FALSE(has(audit(s.n, s.c, container_config{})[0].fix, "does not look there"));
  s.c.context["env_libcuda_files"] = "/usr/local/nvidia/lib64";
  s.c.context["env_libcuda_dlopen"] = "/usr/local/nvidia/lib64/libcuda.so.1: wrong ELF class";
  EXPECT_FALSE(has(audit(s.n, s.c, container_config{})[0].fix, "does not look there"));
}

TEST(AuditNoGpu, AContainerKilledByTheOomKillerIsNamedWithItsMemoryLimit) {
  sides s;
  s.left_no_evidence(137);  // killed before it wrote anything
  container_config rt;
  rt.extra = {"--memory=256m"};
  const auto f = audit(s.n, s.c, rt);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "container_workload_killed");
  EXPECT_EQ(f[0].severity, "error");
  EXPECT_TRUE(has(f[0].fix, "--memory=256m")) << f[0].fix;
  for (const auto& x : f) EXPECT_NE(x.id, "no_gpu_in_container") << "it had no chance to look";
  rt.extra.clear();
  EXPECT_TRUE(has(audit(s.n, s.c, rt)[0].fix, "OOM killer"));
}

TEST(AuditNoGpu, AProgramThatCrashedIsNotToldToLookForWhoSentTheSignal) {
  for (const int code : {139, 134, 132, 135}) {  // SIGSEGV, SIGABRT, SIGILL, SIGBUS
    sides s;
    s.left_no_evidence(code);
    const auto f = audit(s.n, s.c, container_config{});
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].id, "container_workload_crashed") << code;
    EXPECT_TRUE(has(f[0].fix, "faulted")) << f[0].fix;
  }
  sides term;  // SIGTERM from outside
  term.left_no_evidence(143);
  EXPECT_TRUE(has(audit(term.n, term.c, container_config{})[0].fix, "what sent the signal"));
  // apptainer or a custom template: the process gpuparity started carries the signal.
  sides direct;
  direct.left_no_evidence(-1);
  direct.c.signal = 9;
  EXPECT_EQ(audit(direct.n, direct.c, container_config{})[0].id, "container_workload_killed");
}

TEST(AuditNoGpu, AProgramWhoseLoaderFailedIsNotAContainerThatDidNotStart) {
  sides s;
  s.left_no_evidence(127);
  s.c.stderr_text =
      "gpuparity-bench: error while loading shared libraries: libcublasLt.so.13: cannot open "
      "shared object file: No such file or directory";
  const auto f = audit(s.n, s.c, container_config{});
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "workload_libraries_missing");
  EXPECT_TRUE(has(f[0].container, "libcublasLt.so.13")) << f[0].container;
  s.c.stderr_text = "Error: executable file `gpuparity-bench` not found in $PATH";
  EXPECT_EQ(audit(s.n, s.c, container_config{})[0].id, "container_did_not_start");
  // The engine's own loader failing is the engine's problem, not the workload's.
  s.c.stderr_text = "docker: error while loading shared libraries: libseccomp.so.2: cannot open";
  EXPECT_EQ(audit(s.n, s.c, container_config{})[0].id, "container_did_not_start");
}

TEST(AuditNoGpu, LaunchBlockingAndEagerLoadingWarnEvenWhenNothingMeasuredShowsThem) {
  for (const auto& [var, value] : {std::pair<const char*, const char*>{"CUDA_LAUNCH_BLOCKING", "1"},
                                   {"CUDA_MODULE_LOADING", "EAGER"}}) {
    sides s;
    s.container_sets(var, value);
    const auto f = audit(s.n, s.c, container_config{});
    ASSERT_FALSE(f.empty());
    EXPECT_EQ(f[0].severity, "warning") << var;
    EXPECT_TRUE(has(f[0].title, var)) << f[0].title;
    EXPECT_TRUE(has(f[0].title, "hurts")) << f[0].title;
    EXPECT_TRUE(f[0].explains.empty());
  }
  sides off;
  off.container_sets("CUDA_LAUNCH_BLOCKING", "0");
  expect_no_warning(audit(off.n, off.c, container_config{}));
  sides lazy;
  lazy.container_sets("CUDA_MODULE_LOADING", "LAZY");
  expect_no_warning(audit(lazy.n, lazy.c, container_config{}));
}

TEST(AuditNoGpu, AnInformationalMetricThatGotWorseIsExplained) {
  sides s;
  s.container_sets("CUDA_LAUNCH_BLOCKING", "1");
  const std::string submit = "latency/launch:submit_seconds";
  const auto f = audit(s.n, s.c, container_config{}, {{submit, "host"}});
  ASSERT_FALSE(f.empty());
  EXPECT_TRUE(names(f[0].explains, submit));
}

TEST(AuditNoGpu, MemoryAndProcessLimitsAreListedNotWarned) {
  sides s;
  s.c.context["env_cgroup_memory_max"] = "268435456";
  s.c.context["env_cgroup_pids_max"] = "16";
  const auto f = audit(s.n, s.c, container_config{});
  expect_no_warning(f);
  EXPECT_TRUE(has(f.back().title, "memory limit")) << f.back().title;
  EXPECT_TRUE(has(f.back().title, "process limit")) << f.back().title;
  // The healthy run's "unknown" natively and "max" in the container are no difference.
  const sides healthy;
  EXPECT_FALSE(has(audit(healthy.n, healthy.c, container_config{}).back().title, "memory limit"));
}

}  // namespace
}  // namespace gpuparity::harness
