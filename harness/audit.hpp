#pragma once
// The audit: compares what the workloads saw natively and in the container, and names
// each difference that can change a result, with the evidence and the fix.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "gpu_state.hpp"
#include "runtime.hpp"

namespace gpuparity::harness {

struct finding {
  std::string id;        // stable identifier, e.g. "cpu_quota"
  std::string severity;  // error, warning, info
  std::string title;
  std::string native;  // evidence from each side
  std::string container;
  std::string fix;
  std::vector<std::string> explains;  // degraded metrics this may explain
};

struct side_view {
  std::map<std::string, std::string> context;  // the workload's JSON context ({} if none)
  int exit_code = 0;
  int signal = 0;  // the signal that ended the process gpuparity started, 0 if none
  std::string stderr_text;
  // Why gpuparity stopped the workload ("did not finish within the trial timeout", ...),
  // "" when it ended by itself: a stopped workload says nothing about the GPU.
  std::string stopped;
  // Over all of the side's trials: every case named (measured or failed), and the label of
  // each case that set one (the peer cases' "link=nvlink|pcie_p2p|host").
  std::set<std::string> cases;
  std::map<std::string, std::string> labels;
};

// native/container: the latest trial of each side. degraded: names of the metrics to
// explain (degraded, or measured natively but not in the container) with their class
// ("latency", ...), so findings can say what they explain.
// state: the GPU's own state from NVML (unknown by default), shared by both sides.
std::vector<finding> audit(const side_view& native, const side_view& container,
                           const container_config& runtime,
                           const std::map<std::string, std::string>& degraded = {},
                           const gpu_state& state = {});

// The GPU's own state alone (audit_gpu_state.cpp), for a native vs native run: no container
// to audit, but a shared GPU disturbs it as much, and must not let it pass.
std::vector<finding> audit_gpu_state(const gpu_state& state,
                                     const std::map<std::string, std::string>& degraded = {});

}  // namespace gpuparity::harness
