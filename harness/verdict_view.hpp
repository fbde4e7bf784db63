#pragma once
// What every rendering (console, Markdown, HTML) puts first: the verdict, how many metrics
// reached each verdict, and the metrics not at parity, each with its cause (the audit
// finding that explains it) and what to do. One place orders them, so the renderings agree.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace gpuparity::harness {

// 0 degraded/regression, 1 error, 2 inconclusive, 3 better/improved, 4 parity/no_regression:
// the order in which renderings list metrics (worst first).
int verdict_rank(const std::string& verdict);

// A deciding metric whose verdict is not a pass (degraded, regression, error, inconclusive).
bool metric_is_open(const nlohmann::ordered_json& metric);

struct metric_line {
  const nlohmann::ordered_json* metric;
  std::string name, verdict;
  bool decides = true, open = false;
  std::string cause;  // "cpu_quota: the container runs under ..." or "" (no finding explains it)
  std::string fix;    // that finding's fix, else what to do for this verdict, "" when at parity
};

struct verdict_summary {
  std::string verdict, reason;  // the reason: verdict_reason, else error, else ""
  // Deciding metrics per verdict, worst first; informational ones counted apart.
  std::vector<std::pair<std::string, int>> counts;
  int informational = 0, unjudged = 0;
  // Open ones first, then the other deciding ones, then the informational ones; within
  // each, by verdict rank, verdict, name.
  std::vector<metric_line> metrics;
  std::size_t open = 0;              // how many of `metrics` lead as open
  std::string advice;                // the run's advice as a sentence, "" if none
};

verdict_summary summarise(const nlohmann::ordered_json& doc);

// "12 parity, 3 degraded, 1 inconclusive (+2 informational)"; "no metric measured".
std::string counts_text(const verdict_summary& v);

// "podman 4.3.1", "docker 24.0.7", "none": the engine and its version number, also from
// reports that stored the whole `--version` line ("podman.real version 4.3.1").
std::string runtime_text(const nlohmann::ordered_json& runtime);

}  // namespace gpuparity::harness
