// Audit rules on environments: the GPU facts are an H100 run's own context
// (tests/data), the surroundings are set per case as a runtime would leave them.
#include "audit.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "json_util.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {
namespace {

side_view h100_side() {
  std::ifstream f(std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json");
  std::stringstream s;
  s << f.rdbuf();
  side_view v;
  v.context = parse_workload_output(s.str()).context;
  v.context.insert({{"env_libcuda_path", "/usr/local/nvidia/lib64/libcuda.so.1"},
                    {"env_libcuda_version", "580.159.04"},
                    {"env_nvml_driver_version", "580.159.04"},
                    {"env_rlimit_memlock", "unlimited/unlimited"},
                    {"env_rlimit_nofile", "1048576/1048576"},
                    {"env_dev_shm_bytes", "67474661376"},
                    {"env_cgroup_cpu_max", "max 100000"},
                    {"env_cpu_quota_cpus", "unlimited"},
                    {"env_cgroup_cpuset", "0-15"},
                    {"env_cpus_allowed", "16"},
                    {"env_seccomp", "0"},
                    {"env_ipc_namespace", "ipc:[4026531839]"},
                    {"env_nvidia_variables", "none"}});
  return v;
}

const finding* find(const std::vector<finding>& f, const std::string& id) {
  for (const auto& x : f)
    if (x.id == id) return &x;
  return nullptr;
}

TEST(Audit, SameSurroundingsGiveNoFindings) {
  const auto n = h100_side();
  ASSERT_FALSE(n.context.at("gpu_uuid").empty());
  EXPECT_TRUE(audit(n, n, container_config{}).empty());
}

TEST(Audit, NamesACpuQuotaAndWhatItExplains) {
  const auto n = h100_side();
  auto c = n;
  c.context["env_cgroup_cpu_max"] = "5000 100000";
  c.context["env_cpu_quota_cpus"] = "0.05";
  const auto f = audit(n, c, container_config{},
                       {{"latency/launch:latency_seconds", "latency"},
                        {"stream/copy:bytes_per_second", "bandwidth"}});
  const auto* q = find(f, "cpu_quota");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->severity, "warning");
  EXPECT_NE(q->title.find("0.05"), std::string::npos);
  EXPECT_NE(q->container.find("5000 100000"), std::string::npos);
  EXPECT_NE(q->fix.find("--cpus"), std::string::npos);
  EXPECT_EQ(q->explains, std::vector<std::string>{"latency/launch:latency_seconds"});
}

TEST(Audit, ShmMemlockSeccompAndIpcThatExplainNothingAreOneInfoFinding) {
  const auto n = h100_side();
  auto c = n;
  c.context["env_dev_shm_bytes"] = "67108864";  // docker's default 64 MiB
  c.context["env_rlimit_memlock"] = "8388608/8388608";
  c.context["env_cpus_allowed"] = "2";
  c.context["env_seccomp"] = "2";
  c.context["env_ipc_namespace"] = "ipc:[4026532200]";
  const auto f = audit(n, c, container_config{});
  // Nothing measured depends on these and no NCCL workload ran: listed, not warned about.
  EXPECT_EQ(find(f, "small_dev_shm"), nullptr);
  EXPECT_EQ(find(f, "memlock_limited"), nullptr);
  EXPECT_EQ(find(f, "seccomp"), nullptr);
  const auto* other = find(f, "other_differences");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->severity, "info");
  for (const char* what : {"/dev/shm", "RLIMIT_MEMLOCK", "seccomp", "IPC namespace"})
    EXPECT_NE(other->native.find(what), std::string::npos) << what << " in " << other->native;
  EXPECT_NE(other->container.find("67108864"), std::string::npos);
  // A narrower cpuset throttles every host thread: still a warning.
  ASSERT_NE(find(f, "cpuset_narrowed"), nullptr);
  EXPECT_EQ(find(f, "cpuset_narrowed")->severity, "warning");
}

TEST(Audit, NamesACompatLibcuda) {
  const auto n = h100_side();
  auto c = n;
  c.context["env_libcuda_path"] = "/usr/local/cuda/compat/libcuda.so.1";
  c.context["env_libcuda_version"] = "590.10.01";
  // It works (forward compatibility): a warning only when something is degraded.
  EXPECT_EQ(find(audit(n, c, container_config{}), "libcuda_version_mismatch"), nullptr);
  const auto f = audit(n, c, container_config{}, {{"stream/copy:bytes_per_second", "bandwidth"}});
  const auto* m = find(f, "libcuda_version_mismatch");
  ASSERT_NE(m, nullptr);
  EXPECT_NE(m->container.find("590.10.01"), std::string::npos);
  EXPECT_NE(m->native.find("580.159.04"), std::string::npos);
  EXPECT_NE(m->fix.find("cuda-compat"), std::string::npos);
}

TEST(Audit, ALibcudaMountedUnderItsSonameIsNotAMismatch) {
  const auto n = h100_side();
  auto c = n;  // CDI bind-mounts the versioned file as libcuda.so.1: no version in the name
  c.context["env_libcuda_path"] = "/usr/local/nvidia/lib64/libcuda.so.1";
  c.context["env_libcuda_version"] = "unknown";
  EXPECT_EQ(find(audit(n, c, container_config{}), "libcuda_version_mismatch"), nullptr);
}

TEST(Audit, NamesADifferentGpu) {
  const auto n = h100_side();
  auto c = n;
  c.context["gpu_uuid"] = "GPU-00000000-1111-2222-3333-444444444444";
  EXPECT_NE(find(audit(n, c, container_config{}), "different_gpu"), nullptr);
}

side_view no_gpu(const side_view& n, const std::string& stderr_text = "") {
  side_view c;
  c.context = {{"gpuparity_error",
                "no usable CUDA GPU (cudaErrorInsufficientDriver: CUDA driver version is "
                "insufficient for CUDA runtime version)"},
               {"env_libcuda_path", "not loaded"}};
  c.exit_code = 5;
  c.stderr_text = stderr_text;
  (void)n;
  return c;
}

// The engine failed to start the container (exit 125-127): no evidence from inside, only
// the engine's words.
side_view engine_failed(const side_view& n, const std::string& stderr_text, int exit_code) {
  auto c = no_gpu(n, stderr_text);
  c.context.clear();
  c.exit_code = exit_code;
  return c;
}

TEST(Audit, PodmanGpusFlagWithoutCdiIsNamed) {
  const auto n = h100_side();
  container_config rt;
  rt.kind = runtime_kind::podman;
  rt.gpu_flags = false;
  rt.extra = {"--gpus", "all"};
  const auto f = audit(n, no_gpu(n), rt);
  const auto* g = find(f, "no_gpu_in_container");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->severity, "error");
  EXPECT_NE(g->container.find("insufficient"), std::string::npos);
  EXPECT_NE(g->fix.find("podman"), std::string::npos);
  EXPECT_NE(g->fix.find("nvidia.com/gpu=all"), std::string::npos);
}

TEST(Audit, MissingCdiSpecAndDockerToolkitAreNamed) {
  const auto n = h100_side();
  container_config podman;
  podman.kind = runtime_kind::podman;
  auto c = engine_failed(
      n, "Error: setting up CDI devices: unresolvable CDI devices nvidia.com/gpu=all", 125);
  const auto f = audit(n, c, podman);
  ASSERT_NE(find(f, "container_did_not_start"), nullptr);
  EXPECT_NE(find(f, "container_did_not_start")->fix.find("cdi generate"), std::string::npos);
  auto d =
      engine_failed(n,
                    "docker: Error response from daemon: could not select device driver \"\" with "
                    "capabilities: [[gpu]].",
                    125);
  const auto g = audit(n, d, container_config{});
  ASSERT_NE(find(g, "container_did_not_start"), nullptr);
  EXPECT_NE(find(g, "container_did_not_start")->fix.find("NVIDIA Container Toolkit"),
            std::string::npos);
}

// podman with a UUID its CDI spec does not name (nvidia-ctk names devices by index unless
// asked): the fix names the UUID strategy, not only a fresh spec.
TEST(Audit, AUuidTheCdiSpecLacksNamesTheUuidStrategy) {
  const auto n = h100_side();
  container_config podman;
  podman.kind = runtime_kind::podman;
  podman.gpus = parse_gpu_selection(n.context.at("gpu_uuid"));
  auto c = engine_failed(n,
                         "Error: setting up CDI devices: unresolvable CDI devices nvidia.com/gpu=" +
                             n.context.at("gpu_uuid"),
                         125);
  const auto* f = find(audit(n, c, podman), "container_did_not_start");
  ASSERT_NE(f, nullptr);
  EXPECT_NE(f->fix.find("--device-name-strategy=uuid"), std::string::npos) << f->fix;
  podman.gpus = parse_gpu_selection("0");  // by index: the spec itself is missing or stale
  const auto* g = find(audit(n, c, podman), "container_did_not_start");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->fix.find("--device-name-strategy"), std::string::npos) << g->fix;
}

// crun out of open files while it sets the container up under a low --ulimit nofile (the H100
// machine, podman 4.3, both nofile and nproc passed): the engine's start failed, and the fix
// names the open-file limit, not the GPU support.
TEST(Audit, AnEngineOutOfOpenFilesNamesTheOpenFileLimit) {
  const auto n = h100_side();
  container_config podman;
  podman.kind = runtime_kind::podman;
  podman.gpu_flags = true;
  podman.extra = {"--ulimit=nproc=1000:1000", "--ulimit=nofile=16:16"};
  auto c = engine_failed(
      n, "Error: OCI runtime error: crun: openat2 `usr/local`: Too many open files", 126);
  const auto f = audit(n, c, podman);
  ASSERT_FALSE(f.empty());
  EXPECT_EQ(f[0].id, "container_did_not_start");
  EXPECT_NE(f[0].fix.find("ran out of open files"), std::string::npos) << f[0].fix;
  EXPECT_NE(f[0].fix.find("--ulimit nofile=16:16"), std::string::npos) << f[0].fix;
}

// The variables gpuparity itself sets natively for --gpus are no difference of the
// container's making (the UUIDs prove the GPU); the same variable set by the user is.
TEST(Audit, TheVariablesGpuparitySetForGpusAreNoDifference) {
  auto n = h100_side();
  auto c = n;
  n.context["env_variables"] = "CUDA_DEVICE_ORDER CUDA_VISIBLE_DEVICES";
  n.context["env_var_CUDA_VISIBLE_DEVICES"] = "1";
  n.context["env_var_CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
  c.context["env_variables"] = "none";
  c.context["env_mnt_namespace"] = "mnt:[1]";
  const std::map<std::string, std::string> degraded = {
      {"stream/copy:bytes_per_second", "bandwidth"}};
  container_config rt;
  EXPECT_NE(find(audit(n, c, rt, degraded), "environment_variable"), nullptr)
      << "without --gpus the native CUDA_VISIBLE_DEVICES is the user's, and a difference";
  rt.gpus = parse_gpu_selection("1");
  for (const auto& f : audit(n, c, rt, degraded)) {
    EXPECT_NE(f.id, "environment_variable") << f.title;
    EXPECT_EQ(f.native.find("CUDA_VISIBLE_DEVICES"), std::string::npos) << f.native;
  }
}

TEST(Audit, AnUnreachableDaemonIsNotAGpuProblem) {
  const auto n = h100_side();
  auto d =
      engine_failed(n,
                    "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. "
                    "Is the docker daemon running?",
                    125);
  container_config custom;
  custom.kind = runtime_kind::custom;
  custom.command_template = split_template("docker run --rm {image} {command}");
  const auto f = audit(n, d, custom);
  ASSERT_NE(find(f, "container_did_not_start"), nullptr);
  EXPECT_NE(find(f, "container_did_not_start")->fix.find("systemctl start docker"),
            std::string::npos)
      << find(f, "container_did_not_start")->fix;
}

TEST(Audit, NoGpuOnTheHostIsNotBlamedOnTheContainer) {
  const auto n = h100_side();
  const auto host = no_gpu(n), c = no_gpu(n);
  const auto f = audit(host, c, container_config{});
  EXPECT_NE(find(f, "no_gpu_native"), nullptr);
  EXPECT_EQ(find(f, "no_gpu_in_container"), nullptr);
}

// The environments an H100 machine's own runs reported, natively and in podman
// (results/NVIDIA_H100_80GB_HBM3/runs): the audit replayed on them.
nlohmann::ordered_json h100_report(const std::string& report) {
  return read_json_file(std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/" + report);
}

side_view side_of(const std::string& report, const char* side) {
  const auto j = h100_report(report);
  side_view v;
  for (const auto& [k, val] : j["sides"][side].items()) v.context[k] = val.get<std::string>();
  return v;
}

TEST(AuditOnH100Runs, PodmanWithCdiGivesNoWarningOnlyOneListOfDifferences) {
  const auto n = side_of("parity-podman.report.json", "native");
  const auto c = side_of("parity-podman.report.json", "container");
  ASSERT_EQ(n.context.at("gpu_uuid"), c.context.at("gpu_uuid"));
  container_config rt;
  rt.kind = runtime_kind::podman;
  std::set<std::string> ids;
  for (const auto& f : audit(n, c, rt)) {
    ids.insert(f.id);
    EXPECT_EQ(f.severity, "info") << f.id << ": " << f.title;
  }
  EXPECT_EQ(ids, (std::set<std::string>{"other_differences"}));
}

TEST(AuditOnH100Runs, CpusFlagShowsAsAQuota) {
  const auto n = side_of("cpu-quota-podman.report.json", "native");
  const auto c = side_of("cpu-quota-podman.report.json", "container");
  const auto f = audit(n, c, container_config{}, {{"latency/launch:latency_seconds", "latency"}});
  const auto* q = find(f, "cpu_quota");
  ASSERT_NE(q, nullptr);
  EXPECT_NE(q->container.find("5000 100000"), std::string::npos) << q->container;
  EXPECT_EQ(q->explains, std::vector<std::string>{"latency/launch:latency_seconds"});
}

TEST(AuditOnH100Runs, PodmanGpusFlagReportNamesCdi) {
  const auto j = h100_report("podman-gpus-flag.report.json");
  const auto c = side_of("podman-gpus-flag.report.json", "container");
  EXPECT_NE(c.context.at("gpuparity_error").find("no usable CUDA GPU"), std::string::npos);
  ASSERT_FALSE(j["audit"].empty());
  EXPECT_EQ(j["audit"][0]["id"], "no_gpu_in_container");
  EXPECT_NE(j["audit"][0]["fix"].get<std::string>().find("nvidia.com/gpu=all"), std::string::npos);
}

}  // namespace
}  // namespace gpuparity::harness
