#pragma once
// `gpuparity fleet`: many nodes' `gpuparity run` reports merged into one fleet document
// (results/schema/gpuparity-fleet-v1.schema.json, docs/fleet.md). Per node: its parity
// verdict and top audit finding, or why its report could not be read. Per GPU model and
// metric: the fleet's distribution of the nodes' native medians and the outlier nodes,
// judged apart from each node's own parity.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gpuparity::harness {

inline constexpr int fleet_schema_version = 1;
// MAD × 1.4826 estimates the standard deviation of a normal distribution.
inline constexpr double mad_scale = 1.4826;

struct fleet_options {
  int min_nodes = 5;               // nodes measuring a metric before outliers are judged
  double outlier_threshold = 3.5;  // K: modified z-score of Iglewicz & Hoaglin (1993)
};

// Median and scaled MAD (1.4826 × median absolute deviation) of values (not empty).
struct robust_spread {
  double median = 0;
  double scaled_mad = 0;
};
robust_spread robust_of(std::vector<double> values);

// The outlier rule: a value is an outlier when it is worse than the fleet's median by more
// than max(K × scaled MAD, margin × |median|); worse is lower for higher_is_better. Both as
// fractions of |median| (the median must not be 0: no rule then, nothing is an outlier).
struct outlier_test {
  double worse_by = 0;   // (median - value) / |median|, sign by orientation; > 0 is worse
  double threshold = 0;  // max(K × scaled MAD / |median|, margin)
  bool outlier = false;
};
outlier_test judge_outlier(double value, const robust_spread& fleet, double margin,
                           bool higher_is_better, double k);

// One metric of one node, as its report recorded it.
struct node_metric {
  std::string name, cls, verdict;
  bool higher_is_better = true, decides = true;
  double margin = 0;
  std::optional<double> native_median, container_median;
};

// One report: a node with its GPU, or (readable false) a file that is not a finished,
// valid run report, with the reason.
struct fleet_node {
  std::string source, node, gpu_uuid, gpu_model;
  // The run's --gpus (config.gpus.selection): which of the node's GPUs a run meant, for a
  // run that measured none (a workload that failed on every trial has no UUID to report).
  std::string gpu_selection;
  // What the node ran: gpuparity's git revision and the workloads' arguments (as JSON).
  // Nodes that differ in either measured different things; the group says so.
  std::string revision, workload_args;
  bool readable = false;
  std::string verdict = "error", reason;
  int exit_code = 4;
  nlohmann::ordered_json top_finding;  // null, or {id, severity, title, fix, explains}
  std::vector<node_metric> metrics;
};

// The report files of the arguments: a file as it is, a folder searched (recursively) for
// *.report.json, sorted. A path that does not exist is kept: it becomes an unreadable node.
std::vector<std::string> fleet_inputs(const std::vector<std::string>& args);

// Reads one report through the validating loader; never throws.
fleet_node read_fleet_node(const std::string& path);

// The fleet document. argv: the command line, recorded as every document records it.
nlohmann::ordered_json make_fleet(const std::vector<fleet_node>& nodes, const fleet_options& o,
                                  const std::vector<std::string>& argv);

// Renderings of a fleet document (fleet_render.cpp).
std::string fleet_markdown(const nlohmann::ordered_json& fleet);
std::string fleet_junit(const nlohmann::ordered_json& fleet);
std::string fleet_prometheus(const nlohmann::ordered_json& fleet);
std::string fleet_html(const nlohmann::ordered_json& fleet);

}  // namespace gpuparity::harness
