// The GPU's state (gpu_state.hpp) in the report and as the audit reads it.
#include "gpu_state.hpp"

namespace gpuparity::harness {

nlohmann::ordered_json to_json(const gpu_state& s) {
  auto st = nlohmann::ordered_json::object();
  if (!s.compute_mode.empty()) st["compute_mode"] = s.compute_mode;
  if (!s.mig_mode.empty()) st["mig_mode"] = s.mig_mode;
  if (s.other_processes_at_start >= 0) st["other_compute_processes_at_start"] = s.other_processes_at_start;
  if (s.other_processes_at_end >= 0) st["other_compute_processes_at_end"] = s.other_processes_at_end;
  return st;
}

gpu_state gpu_state_from_json(const nlohmann::json& state) {
  gpu_state s;
  if (!state.is_object()) return s;
  const auto text = [&](const char* k) {
    return state.contains(k) && state[k].is_string() ? state[k].get<std::string>() : std::string();
  };
  const auto count = [&](const char* k) {
    return state.contains(k) && state[k].is_number_integer() ? state[k].get<int>() : -1;
  };
  s.compute_mode = text("compute_mode");
  s.mig_mode = text("mig_mode");
  s.other_processes_at_start = count("other_compute_processes_at_start");
  s.other_processes_at_end = count("other_compute_processes_at_end");
  return s;
}

gpu_state as_audited(gpu_state s, bool run_failed) {
  if (run_failed) s.other_processes_at_end = -1;
  return s;
}

}  // namespace gpuparity::harness
