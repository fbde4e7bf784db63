// The audit replayed on committed reports from the GPU machine, each a real run with one
// misconfiguration (the fault matrix of tests/gpu/on_gpu_machine.sh and the earlier
// sensitivity runs): the verdict the run gave and the top finding today's rules give must be
// what a GPU expert would say. A listed report that is missing fails the test.
#include <gtest/gtest.h>

#include <filesystem>

#include "audit_replay.hpp"

namespace gpuparity::harness {
namespace {

struct expected {
  const char* report;  // under results/
  const char* verdict;  // the verdict the run gave (recorded: the trials are not re-run)
  const char* top;      // the first finding's id, replayed with today's rules
  const char* in_fix;   // a part of its fix
  bool as_recorded;     // the run's own audit led with the same finding
};

const expected cases[] = {
    {"NVIDIA_H100_80GB_HBM3/runs/podman-gpus-flag.report.json", "error", "no_gpu_in_container",
     "nvidia.com/gpu=all", true},
    {"NVIDIA_H100_80GB_HBM3/runs/rule-39679a4/cpu-quota-half.report.json", "degraded", "cpu_quota",
     "--cpus", true},
    {"NVIDIA_H100_80GB_HBM3/runs/rule-39679a4/parity-podman-1.report.json", "inconclusive",
     "other_differences", "nothing to fix", true},
    // Docker 20.10 without the toolkit, the GPU by hand; the fault matrix (docs/audit.md).
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/docker-gpus-all.report.json", "error", "container_did_not_start",
     "NVIDIA Container Toolkit", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/parity-docker-1.report.json", "inconclusive", "other_differences",
     "nothing to fix", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-env-tf32-override.report.json", "degraded", "math_mode_variable",
     "NVIDIA_TF32_OVERRIDE", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-env-module-loading-eager.report.json", "inconclusive", "environment_variable",
     "CUDA_MODULE_LOADING", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-env-launch-blocking.report.json", "inconclusive", "environment_variable",
     "CUDA_LAUNCH_BLOCKING", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-env-cuda-visible-devices.report.json", "error", "no_gpu_in_container",
     "CUDA_VISIBLE_DEVICES", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-lib-path-overridden.report.json", "error", "no_gpu_in_container",
     "/usr/local/nvidia/lib64", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-dev-no-uvm.report.json", "error", "no_gpu_in_container",
     "--device /dev/nvidia-uvm", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-dev-no-gpu-flags.report.json", "error", "no_gpu_in_container",
     "--no-gpu-flags", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-cgroup-cpus-quarter.report.json", "inconclusive", "cpu_quota",
     "--cpus", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-cgroup-memory-256m.report.json", "error", "container_workload_killed",
     "--memory=256m", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-cgroup-pids-16.report.json", "inconclusive", "other_differences",
     "nothing to fix", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-rlimit-nofile-16.report.json", "error", "open_file_limit",
     "--ulimit nofile=", false},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-rlimit-memlock-0.report.json", "parity", "other_differences",
     "nothing to fix", true},
    {"NVIDIA_H100_80GB_HBM3/runs/docker-2026-12-07/fault-docker-shm-1m.report.json", "inconclusive", "other_differences",
     "nothing to fix", true},
    // podman 4.3 on a machine without CAP_SYS_RESOURCE: crun could not set the limits at all.
    {"NVIDIA_H100_80GB_HBM3/runs/podman-2026-12-07/fault-rlimit-nofile-16.report.json", "error", "container_did_not_start",
     "--ulimit nproc=N:N", true},
    {"NVIDIA_H100_80GB_HBM3/runs/podman-2026-12-07/parity-podman-3.report.json", "inconclusive", "other_differences",
     "nothing to fix", true},
    {"NVIDIA_H100_80GB_HBM3/runs/podman-2026-12-07/cpu-quota-half.report.json", "degraded", "cpu_quota",
     "--cpus", true},
    // The rest of the matrix with podman (faults-2026-12-07): a cuda-compat libcuda older than
    // the kernel module, the quarter CPU at a budget that decides, another process computing
    // on the GPU (NVML's count, replayed from telemetry.device.state), and the open-file
    // fault with nproc at the shell's hard limit, which crun still refused.
    {"NVIDIA_H100_80GB_HBM3/runs/faults-2026-12-07/fault-lib-cuda-compat.report.json", "error", "no_gpu_in_container",
     "cuda-compat libcuda 580.95.05", true},
    {"NVIDIA_H100_80GB_HBM3/runs/faults-2026-12-07/fault-cgroup-cpus-quarter.report.json", "degraded", "cpu_quota",
     "--cpus", true},
    {"NVIDIA_H100_80GB_HBM3/runs/faults-2026-12-07/fault-gpu-shared.report.json", "inconclusive", "gpu_shared",
     "idle GPU", true},
    {"NVIDIA_H100_80GB_HBM3/runs/faults-2026-12-07/fault-rlimit-nofile-16-nproc-kept.report.json", "error",
     "container_did_not_start", "lower than your shell's", true},
    // With nproc at a value crun sets, the open-file limit itself stops crun.
    {"NVIDIA_H100_80GB_HBM3/runs/faults-2026-12-07/fault-rlimit-nofile-16-nproc-1000.report.json", "error",
     "container_did_not_start", "ran out of open files", true},
    {"NVIDIA_H100_80GB_HBM3/runs/faults-2026-12-07/fault-rlimit-nofile-64-nproc-1000.report.json", "error",
     "container_did_not_start", "(--ulimit nofile=64:64)", true},
};

class AuditReplay : public testing::TestWithParam<expected> {};

TEST_P(AuditReplay, TheTopFindingNamesTheCause) {
  const auto& e = GetParam();
  const std::string path = std::string(GPUPARITY_RESULTS) + "/" + e.report;
  ASSERT_TRUE(std::filesystem::exists(path)) << path;
  const auto r = audit_replay::replay(path);
  EXPECT_EQ(read_json_file(path)["verdict"], e.verdict);
  const auto f = audit(r.native, r.container, r.runtime, r.to_explain, r.state);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, e.top) << f[0].title << "\nfix: " << f[0].fix;
  EXPECT_NE(f[0].fix.find(e.in_fix), std::string::npos) << f[0].fix;
  ASSERT_FALSE(r.recorded.empty());
  EXPECT_EQ(r.recorded[0]["id"] == e.top, e.as_recorded) << r.recorded[0].dump();
  if (std::string(e.top) != "other_differences") {
    EXPECT_NE(f[0].severity, "info") << "the cause of a failed or degraded run is no footnote";
  }
}

INSTANTIATE_TEST_SUITE_P(Committed, AuditReplay, testing::ValuesIn(cases),
                         [](const testing::TestParamInfo<expected>& i) {
                           // The run's folder and name: runs of several days share names.
                           std::string n = i.param.report;
                           n = n.substr(n.find("/runs/") + 6);
                           n = n.substr(0, n.find(".report"));
                           for (auto& ch : n)
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace gpuparity::harness
