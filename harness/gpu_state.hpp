#pragma once
// The GPU's own state as NVML reports it (telemetry.cpp reads it): what no container can
// change but every result on the GPU depends on. Both sides share one GPU, so this is one
// record per run, not a difference between the sides; the audit names what can hurt
// (audit_gpu_state.cpp).
#include <string>

namespace gpuparity::harness {

struct gpu_state {
  // NVML's compute mode: "default", "exclusive_thread", "prohibited", "exclusive_process";
  // "" when unknown.
  std::string compute_mode;
  // "enabled" or "disabled"; "" when unknown (a GPU without MIG, an old driver).
  std::string mig_mode;
  // Compute processes on the GPU while none of gpuparity's ran: when sampling started
  // (after the first trial) and when it stopped (after the last); -1 when unknown.
  int other_processes_at_start = -1, other_processes_at_end = -1;
};

}  // namespace gpuparity::harness
