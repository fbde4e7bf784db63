#pragma once
// `gpuparity node`: every selected GPU of a node judged by `run`, one GPU after the other,
// then, with at least one GPU, one node-wide run of the work across GPUs (the peer/ and
// nccl/ cases, every GPU visible on both sides); one node report with each GPU's verdict
// and the node's: the worst of them (docs/node.md).
//
// Sequential, never side by side: GPUs of one node share the host's CPUs, memory bandwidth,
// PCIe switches and power; runs side by side would confound each GPU's verdict with its
// neighbours' load, and a verdict must be the GPU's own.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "node_gpus.hpp"
#include "run.hpp"

namespace gpuparity::harness {

// The filter of the node-wide run: the families that use several GPUs at once.
inline constexpr const char* node_wide_filter = "^(peer|nccl)/";

struct node_options {
  // Each run's options: container, budget (per GPU), margins, programs, filter, ... Its
  // gpus, output, junit and prometheus are the node's to set.
  run_options run;
  std::string gpus = "all";  // "all", or indices and UUIDs ("0,2", "GPU-...,1")
  std::string nvidia_smi = "nvidia-smi";
  double nvidia_smi_timeout_s = 30.0;
  std::string output = "gpuparity-node.json";
  // Each run's report: <reports_prefix>gpu<index>.json and <reports_prefix>node-wide.json;
  // "" : the node report's path without ".json", then ".".
  std::string reports_prefix;
  std::string junit, prometheus, markdown;
  bool node_wide = true;  // --no-node-wide: the per-GPU runs only
  std::vector<std::string> argv;
};

// Where each run writes its report.
std::string node_gpu_report_path(const node_options& o, int index);
std::string node_wide_report_path(const node_options& o);

int run_node(const node_options& o);

// A GPU's part of the node report from its run's exit code and report (path). The report
// must prove that both sides ran on this GPU (its gpu.uuid is g.uuid, same_gpu): otherwise
// the part is an error whatever the run said, so a GPU missing from the container side, or
// another GPU there, is never parity; so is a report that cannot be read.
nlohmann::ordered_json node_gpu_part(const node_gpu& g, const std::string& path, int code);

// Why a run report read back after a run is not that run's (its exit_code is not the run's
// exit code: the run could not write it and an older one was left there, or another
// gpuparity wrote there); empty when it is.
std::string not_this_runs(const nlohmann::ordered_json& report, int run_exit_code,
                          const std::string& path);

// Removes the report a previous run left at path, before a run writes there: empty when none
// is left, else why it could not be removed (then the run must not count).
std::string remove_stale_report(const std::string& path);

// One part of a node's verdict (a GPU's run, or the node-wide run), and the node's verdict
// from them: decide_node in decision.hpp.
struct node_part {
  std::string name;  // "GPU 0 (GPU-...)", "node-wide"
  bool skipped = false;
  std::string verdict;  // parity, degraded, inconclusive, error
  int exit_code = exit_error;
  std::string reason;
};

// The renderings of a node report (node_render.cpp): the console summary, JUnit XML (a
// suite per GPU and one for the node-wide run), the Prometheus text format (labels
// gpu_uuid, gpu_index, gpu_bus_id, gpu_name) and Markdown.
std::string node_summary_text(const nlohmann::ordered_json& doc);
std::string node_junit_xml(const nlohmann::ordered_json& doc);
std::string node_prometheus_text(const nlohmann::ordered_json& doc);
std::string node_markdown(const nlohmann::ordered_json& doc);

}  // namespace gpuparity::harness
