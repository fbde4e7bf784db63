// The GPU's own state (NVML, gpu_state.hpp) in the audit: shared by both sides, so no
// difference between them, but what makes every result on the GPU slower, noisier or
// impossible is named with its fix; an idle GPU in the default mode adds no warning.
#include <gtest/gtest.h>

#include "audit_evidence.hpp"

namespace gpuparity::harness {
namespace {

using namespace audit_evidence;

TEST(AuditGpuState, AnIdleGpuInTheDefaultModeAddsNothing) {
  sides s;
  gpu_state idle;
  idle.compute_mode = "default";
  idle.mig_mode = "disabled";
  idle.other_processes_at_start = idle.other_processes_at_end = 0;
  const auto f = audit(s.n, s.c, container_config{}, {}, idle);
  expect_no_warning(f);
  for (const char* id : {"gpu_shared", "gpu_compute_mode", "gpu_mig"})
    EXPECT_EQ(find(f, id), nullptr) << id;
  // Unknown (NVML without the functions, or no telemetry) adds nothing either.
  expect_no_warning(audit(s.n, s.c, container_config{}, {}, gpu_state{}));
}

TEST(AuditGpuState, OtherProcessesOnTheGpuAreNamedAndExplainWhatWentWrong) {
  sides s;
  gpu_state busy;
  busy.other_processes_at_start = 0;  // one came during the run
  busy.other_processes_at_end = 1;
  const std::map<std::string, std::string> degraded = {
      {"gemm/cublaslt/bf16/8192:flop_per_second", "compute"}};
  const auto f = audit(s.n, s.c, container_config{}, degraded, busy);
  const auto* g = find(f, "gpu_shared");
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(g->severity, "warning");
  EXPECT_TRUE(has(g->title, "1 other compute process(es)")) << g->title;
  EXPECT_TRUE(has(g->native, "0 when sampling started, 1 when it stopped")) << g->native;
  EXPECT_TRUE(has(g->fix, "idle GPU")) << g->fix;
  EXPECT_TRUE(names(g->explains, "gemm/cublaslt/bf16/8192:flop_per_second"));
  EXPECT_EQ(f.front().id, "gpu_shared") << "what explains a degraded metric leads";
}

TEST(AuditGpuState, AComputeModeThatForbidsOrSerialisesUseIsNamed) {
  sides s;
  gpu_state exclusive;
  exclusive.compute_mode = "exclusive_process";
  const std::map<std::string, std::string> failed = {{"startup/first_kernel:seconds", "startup"},
                                                     {"stream/copy:bytes_per_second", "bandwidth"}};
  const auto f = audit(s.n, s.c, container_config{}, failed, exclusive);
  const auto* m = find(f, "gpu_compute_mode");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->severity, "warning");
  EXPECT_TRUE(has(m->title, "EXCLUSIVE_PROCESS")) << m->title;
  EXPECT_TRUE(has(m->fix, "-c DEFAULT")) << m->fix;
  // Only what several processes at once can break, not a copy's bandwidth.
  EXPECT_EQ(m->explains, std::vector<std::string>{"startup/first_kernel:seconds"});

  gpu_state prohibited;
  prohibited.compute_mode = "prohibited";
  const auto p = audit(s.n, s.c, container_config{}, {}, prohibited);
  ASSERT_NE(find(p, "gpu_compute_mode"), nullptr);
  EXPECT_EQ(find(p, "gpu_compute_mode")->severity, "error") << "no parity on a GPU none may use";
}

TEST(AuditGpuState, MigIsNotedNotWarned) {
  sides s;
  gpu_state mig;
  mig.mig_mode = "enabled";
  const auto f = audit(s.n, s.c, container_config{}, {}, mig);
  ASSERT_NE(find(f, "gpu_mig"), nullptr);
  expect_no_warning(f);
}

// A difference between the sides keeps the metrics it explains: the GPU's state is the
// cause only of what nothing else explains, and comes after the sides' own findings.
TEST(AuditGpuState, ACpuQuotaStaysTheCauseOfWhatItExplains) {
  sides s;
  s.c.context["env_cgroup_cpu_max"] = "5000 100000";
  s.c.context["env_cpu_quota_cpus"] = "0.05";
  gpu_state busy;
  busy.other_processes_at_start = 2;
  const auto f = audit(s.n, s.c, container_config{},
                       {{"latency/launch:latency_seconds", "round_trip"},
                        {"gemm/cublaslt/bf16/8192:flop_per_second", "compute"}},
                       busy);
  const auto* q = find(f, "cpu_quota");
  const auto* g = find(f, "gpu_shared");
  ASSERT_NE(q, nullptr);
  ASSERT_NE(g, nullptr);
  EXPECT_TRUE(names(q->explains, "latency/launch:latency_seconds"));
  EXPECT_EQ(g->explains, std::vector<std::string>{"gemm/cublaslt/bf16/8192:flop_per_second"});
  EXPECT_LT(q - f.data(), g - f.data()) << "the quota first";
}

// A container that left no evidence still gets the GPU's state: it holds for both sides.
TEST(AuditGpuState, HoldsWhenTheContainerLeftNoEvidence) {
  sides s;
  s.left_no_evidence(139);
  gpu_state busy;
  busy.other_processes_at_start = 3;
  const auto f = audit(s.n, s.c, container_config{}, {}, busy);
  EXPECT_EQ(f.front().id, "container_workload_crashed") << "the error stays first";
  EXPECT_NE(find(f, "gpu_shared"), nullptr);
}

// The report's telemetry.device.state and back (the audit replay reads it), and the count at
// the end dropped after a failed or interrupted run, when gpuparity's own may be exiting.
TEST(AuditGpuState, TheReportsStateReadsBackAndAFailedRunDropsTheCountAtTheEnd) {
  gpu_state s;
  s.compute_mode = "exclusive_process";
  s.mig_mode = "disabled";
  s.other_processes_at_start = 1;
  s.other_processes_at_end = 2;
  const auto j = to_json(s);
  EXPECT_EQ(j["other_compute_processes_at_end"], 2);
  const auto back = gpu_state_from_json(nlohmann::json::parse(j.dump()));
  EXPECT_EQ(back.compute_mode, "exclusive_process");
  EXPECT_EQ(back.mig_mode, "disabled");
  EXPECT_EQ(back.other_processes_at_start, 1);
  EXPECT_EQ(back.other_processes_at_end, 2);
  // Unknown parts are left out, and read back as unknown; so is a mistyped one.
  EXPECT_TRUE(to_json(gpu_state{}).empty());
  const auto odd = gpu_state_from_json(nlohmann::json{{"other_compute_processes_at_start", "3"}});
  EXPECT_EQ(odd.other_processes_at_start, -1);
  EXPECT_EQ(gpu_state_from_json(nlohmann::json()).compute_mode, "");
  const auto failed = as_audited(back, true);
  EXPECT_EQ(failed.other_processes_at_end, -1);
  EXPECT_EQ(failed.other_processes_at_start, 1);
  EXPECT_EQ(as_audited(back, false).other_processes_at_end, 2);
}

}  // namespace
}  // namespace gpuparity::harness
