// The audit's rules on the GPU's own state (gpu_state.hpp): what NVML says of the GPU the
// run used. Both sides share it, so these name no difference between them; they name what
// makes every result on the GPU slower, noisier or impossible, and the fix.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "audit_rules.hpp"

namespace gpuparity::harness::audit_rules {

namespace {
std::vector<std::string> names_of(const degraded_metrics& d, bool (*pick)(const std::string&)) {
  std::vector<std::string> out;
  for (const auto& [name, cls] : d)
    if (pick(name)) out.push_back(name);
  return out;
}
bool any_metric(const std::string&) { return true; }
// The cases that start several processes on the GPU at once or one after another while
// another holds it: NCCL's ranks, the peer cases' pairs, startup's fresh processes.
bool multi_process(const std::string& name) {
  return name.rfind("nccl/", 0) == 0 || name.rfind("peer/", 0) == 0 ||
         name.rfind("startup/", 0) == 0;
}
std::string counts(const gpu_state& s) {
  const auto one = [](int n) { return n < 0 ? std::string("unknown") : std::to_string(n); };
  return "compute processes not gpuparity's: " + one(s.other_processes_at_start) +
         " when sampling started, " + one(s.other_processes_at_end) + " when it stopped";
}
}  // namespace

void gpu_state_rules(const gpu_state& s, const degraded_metrics& d, findings& out) {
  // One GPU, one piece of evidence: the same on both sides of every finding here.
  const auto add = [&out](const char* id, const char* severity, const std::string& title,
                          const std::string& evidence, const char* fix,
                          std::vector<std::string> explains) {
    out.found.push_back({id, severity, title, evidence, evidence, fix, std::move(explains)});
  };
  const int others = std::max(s.other_processes_at_start, s.other_processes_at_end);
  if (others > 0)
    add("gpu_shared", "warning",
        std::to_string(others) + " other compute process(es) used the GPU during the run",
        counts(s),
        "run on an idle GPU: other processes share its SMs, memory bandwidth and power budget "
        "with both sides, so every result is slower and noisier than the GPU's own, and a "
        "difference between the sides may be theirs; nvidia-smi lists them (stop them, or "
        "choose an idle GPU with --gpus)",
        names_of(d, any_metric));
  const std::string mode = "compute mode " + s.compute_mode;
  if (s.compute_mode == "prohibited")
    add("gpu_compute_mode", "error", "the GPU's compute mode is PROHIBITED: no process may use it",
        mode, "set it back with `nvidia-smi -i <gpu> -c DEFAULT` (as root)",
        names_of(d, any_metric));
  else if (s.compute_mode == "exclusive_process" || s.compute_mode == "exclusive_thread")
    add("gpu_compute_mode", "warning",
        "the GPU's compute mode is " +
            std::string(s.compute_mode == "exclusive_process" ? "EXCLUSIVE_PROCESS"
                                                              : "EXCLUSIVE_THREAD") +
            ": one process at a time may use it",
        mode,
        "cases that start several processes (NCCL's ranks, the peer cases) fail, and any "
        "other user of the GPU waits or fails; for a parity run set it with `nvidia-smi -i "
        "<gpu> -c DEFAULT` (as root), or keep it and leave those cases out with --filter",
        names_of(d, multi_process));
  if (s.mig_mode == "enabled")
    add("gpu_mig", "info", "MIG is enabled on the GPU: the run measured one MIG instance's share",
        "MIG " + s.mig_mode,
        "nothing to fix for parity (both sides used the same instance); compare results only "
        "with runs on the same MIG profile",
        {});
}

}  // namespace gpuparity::harness::audit_rules
