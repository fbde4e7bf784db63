#pragma once
// The GPU's own state as NVML reports it (telemetry.cpp reads it): what no container can
// change but every result on the GPU depends on. Both sides share one GPU, so this is one
// record per run, not a difference between the sides; the audit names what can hurt
// (audit_gpu_state.cpp).
#include <nlohmann/json.hpp>
#include <string>

namespace gpuparity::harness {

struct gpu_state {
  // NVML's compute mode: "default", "exclusive_thread", "prohibited", "exclusive_process";
  // "" when unknown.
  std::string compute_mode;
  // "enabled" or "disabled"; "" when unknown (a GPU without MIG, an old driver).
  std::string mig_mode;
  // Every compute process on the GPU at two moments when none of gpuparity's should run:
  // when sampling started (after the first trial) and when it stopped (after the last; the
  // audit leaves this one out when a trial failed or was stopped, since gpuparity's own
  // processes may still be exiting); -1 when unknown. On a MIG GPU, not verified: NVML may
  // not resolve the instance's UUID, and then nothing of the state is known.
  int other_processes_at_start = -1, other_processes_at_end = -1;
};

// The report's `telemetry.device.state` object (each part left out when unknown), and back.
nlohmann::ordered_json to_json(const gpu_state& s);
gpu_state gpu_state_from_json(const nlohmann::json& state);

// The state as the audit reads it: after a trial that failed, was stopped or interrupted,
// gpuparity's own processes (a killed container, NCCL's ranks) may still be exiting when
// sampling stops, so the count taken then says nothing and is dropped.
gpu_state as_audited(gpu_state s, bool run_failed);

}  // namespace gpuparity::harness
