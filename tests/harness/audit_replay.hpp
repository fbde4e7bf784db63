#pragma once
// The audit replayed on a committed report: each side's evidence as the run had it (the
// report's `sides`, the last trial's exit code and stderr), the runtime's flags from its
// `runtime`, the metrics it judged worse or the container failed to measure, and the GPU's
// state (`telemetry.device.state`) as run.cpp gave it to the audit.
#include <map>
#include <string>

#include "audit.hpp"
#include "json_util.hpp"

namespace gpuparity::harness::audit_replay {

struct replayed {
  side_view native, container;
  container_config runtime;
  std::map<std::string, std::string> to_explain;
  gpu_state state;
  nlohmann::json recorded;  // the report's own audit
};

// A string field, "" when absent or null.
inline std::string text(const nlohmann::json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : "";
}

inline side_view side_from(const nlohmann::json& report, const char* side) {
  side_view v;
  for (const auto& [k, val] : report["sides"][side].items()) v.context[k] = val.get<std::string>();
  // The last trial of that side, its failed program if one failed (as run.cpp's view_of).
  for (auto t = report["trials"].rbegin(); t != report["trials"].rend(); ++t) {
    if ((*t)["side"] != side || (*t)["programs"].empty()) continue;
    const auto& progs = (*t)["programs"];
    const auto& p = text(*t, "error").empty() ? progs.front() : progs.back();
    v.exit_code = p["exit_code"].get<int>();
    v.stderr_text = text(p, "stderr_tail");
    if (p.value("timed_out", false)) v.stopped = "it did not finish within the trial timeout";
    break;
  }
  return v;
}

inline replayed replay(const std::string& path) {
  const auto j = read_json_file(path);
  replayed r;
  r.native = side_from(j, "native");
  r.container = side_from(j, "container");
  const auto& rt = j["runtime"];
  const std::string kind = text(rt, "kind");
  r.runtime.kind = kind == "podman"      ? runtime_kind::podman
                   : kind == "apptainer" ? runtime_kind::apptainer
                   : kind == "custom"    ? runtime_kind::custom
                                         : runtime_kind::docker;
  r.runtime.engine = text(rt, "engine");
  r.runtime.gpu_flags = !rt["gpu_flags"].empty();
  for (const auto& a : rt["extra_flags"]) r.runtime.extra.push_back(a.get<std::string>());
  std::map<std::string, bool> measured_natively, measured_in_container;
  for (const auto& m : j["metrics"])
    if (text(m, "verdict") == "degraded") r.to_explain[text(m, "name")] = text(m, "class");
  for (const auto& t : j["trials"])
    for (const auto& p : t["programs"])
      for (const auto& [name, _] : p["metrics"].items())
        (t["side"] == "native" ? measured_natively : measured_in_container)[name] = true;
  for (const auto& m : j["metrics"]) {
    const std::string name = text(m, "name");
    if (measured_natively.count(name) && !measured_in_container.count(name))
      r.to_explain.emplace(name, text(m, "class"));
  }
  // As run.cpp: the count at the end dropped after a trial that failed or was stopped (the
  // trial's error) or an interrupted run (its error "interrupted by SIG...").
  bool failed = text(j, "error").rfind("interrupted by ", 0) == 0;
  for (const auto& t : j["trials"]) failed = failed || !text(t, "error").empty();
  const auto tel = j.value("telemetry", nlohmann::json::object());
  const auto dev = tel.value("device", nlohmann::json::object());
  r.state = as_audited(gpu_state_from_json(dev.value("state", nlohmann::json::object())), failed);
  r.recorded = j.value("audit", nlohmann::json::array());
  return r;
}

}  // namespace gpuparity::harness::audit_replay
