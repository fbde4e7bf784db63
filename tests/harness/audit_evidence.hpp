#pragma once
// The H100's real evidence for the audit's tests (results/NVIDIA_H100_80GB_HBM3/runs, natively
// and in podman with CDI), and the edits that make a fault of one fact of the container's side.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "audit.hpp"
#include "json_util.hpp"

namespace gpuparity::harness::audit_evidence {

inline side_view side_of(const std::string& report, const char* side) {
  const auto j =
      read_json_file(std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/" + report);
  side_view v;
  for (const auto& [k, val] : j["sides"][side].items()) v.context[k] = val.get<std::string>();
  return v;
}

// Both sides of a healthy default podman run with CDI on the H100 (rule-39679a4), with the
// stack evidence the bench records: each fault edits the container's side as the fault
// would have left it.
inline const char* const healthy = "rule-39679a4/parity-podman-1.report.json";
struct sides {
  side_view n = side_of(healthy, "native");
  side_view c = side_of(healthy, "container");
  // The container without a GPU, as CUDA's failure leaves its context.
  void no_gpu_in_container(const std::string& cuda_error) {
    c.context.erase("gpu_uuid");
    c.context["gpuparity_error"] = "no usable CUDA GPU (" + cuda_error + ")";
    c.exit_code = 5;
  }
  // CUDA found no libcuda to load in the container (it failed before mapping one).
  void libcuda_not_loaded() {
    c.context["env_libcuda_path"] = "not loaded";
    c.context["env_libcuda_version"] = "unknown";
  }
  // The container's workload ended before writing any evidence, with this exit code.
  void left_no_evidence(int exit_code) {
    c.context.clear();
    c.exit_code = exit_code;
  }
  // A variable set in the container only (an image's ENV, a -e flag).
  void container_sets(const std::string& var, const std::string& value) {
    c.context["env_var_" + var] = value;
    c.context["env_variables"] += " " + var;
  }
};

// The finding with this id, or nullptr.
inline const finding* find(const std::vector<finding>& f, const std::string& id) {
  for (const auto& x : f)
    if (x.id == id) return &x;
  return nullptr;
}

inline bool names(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

inline bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

inline void expect_no_warning(const std::vector<finding>& f) {
  for (const auto& x : f) EXPECT_EQ(x.severity, "info") << x.id << ": " << x.title;
}

}  // namespace gpuparity::harness::audit_evidence
