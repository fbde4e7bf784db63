#include "node.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include <chrono>
#include <iostream>
#include <set>
#include <sstream>

#include "console.hpp"
#include "decision.hpp"
#include "documents.hpp"
#include "gpu_selection.hpp"
#include "interrupt.hpp"
#include "json_util.hpp"
#include "output_path.hpp"
#include "outputs.hpp"
#include "process.hpp"
#include "report.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string prefix_of(const node_options& o) {
  if (!o.reports_prefix.empty()) return o.reports_prefix;
  const std::string& out = o.output;
  const bool dot_json = out.size() > 5 && out.compare(out.size() - 5, 5, ".json") == 0;
  return (dot_json ? out.substr(0, out.size() - 5) : out) + ".";
}

json gpu_json(const node_gpu& g) {
  return {{"index", g.index}, {"uuid", g.uuid}, {"pci_bus_id", g.pci_bus_id}, {"name", g.name}};
}

// A part that failed: verdict error, the run's exit code when a signal ended it (128 + N),
// else 4, and why.
void fail_part(json& part, int run_code, const std::string& why) {
  part["verdict"] = "error";
  part["exit_code"] = run_code > exit_interrupted_base ? run_code : exit_error;
  part["verdict_reason"] = why;
}

// What the node report keeps of a run report: its verdict, and each metric's verdict and
// ratio (for the node's own renderings), the audit's errors and warnings.
void summarise_run(const json& r, json& part) {
  part["verdict"] = r["verdict"];
  part["exit_code"] = r["exit_code"];
  const std::string reason = verdict_reason_of(r);
  part["verdict_reason"] = reason.empty() ? json(nullptr) : json(reason);
  json metrics = json::array();
  json counts = {{"parity", 0}, {"degraded", 0}, {"better", 0}, {"inconclusive", 0}, {"error", 0}};
  for (const auto& m : r["metrics"]) {
    metrics.push_back({{"name", m["name"]},
                       {"class", m["class"]},
                       {"verdict", m["verdict"]},
                       {"decides", m.value("decides", true)},
                       {"ratio", m["ratio"]}});
    const std::string v = json_text(m, "verdict");
    if (counts.contains(v)) counts[v] = counts[v].get<int>() + 1;
  }
  part["metric_counts"] = counts;
  part["metrics"] = metrics;
  json findings = json::array();
  for (const auto& a : r["audit"])
    if (json_text(a, "severity") != "info")
      findings.push_back({{"id", a["id"]}, {"severity", a["severity"]}, {"title", a["title"]}});
  part["audit"] = findings;
}

}  // namespace

std::string not_this_runs(const json& report, int run_exit_code, const std::string& path) {
  const json& e = report.contains("exit_code") ? report["exit_code"] : json();
  if (e.is_number_integer() && e.get<int>() == run_exit_code) return "";
  return "the report at " + path + " is not this run's: the run exited " +
         std::to_string(run_exit_code) + ", the report says " + (e.is_null() ? "nothing" : e.dump()) +
         " (the run could not write it, or another gpuparity wrote there)";
}

std::string remove_stale_report(const std::string& path) {
  if (std::remove(path.c_str()) == 0 || errno == ENOENT) return "";
  return "cannot remove the previous report at " + path + " (" + std::strerror(errno) +
         "): a stale report must never stand for this run";
}

json node_gpu_part(const node_gpu& g, const std::string& path, int code) {
  json part = gpu_json(g);
  part["status"] = "run";
  part["report"] = path;
  part["verdict"] = "error";
  part["exit_code"] = code;
  part["verdict_reason"] = nullptr;
  part["same_gpu"] = false;
  part["native_uuids"] = json::array();
  part["container_uuids"] = json::array();
  json r;
  try {
    r = load_document(path).body;
    if (!is_run_report(r)) throw document_error(path + " is not a run report");
  } catch (const std::exception& e) {
    fail_part(part, code, std::string("its run wrote no readable report: ") + e.what());
    return part;
  }
  summarise_run(r, part);
  if (const std::string stale = not_this_runs(r, code, path); !stale.empty()) {
    fail_part(part, code, stale);
    return part;
  }
  const json& gpu = r["gpu"];
  part["native_uuids"] = gpu.value("native_uuids", json::array());
  part["container_uuids"] = gpu.value("container_uuids", json::array());
  const bool same = gpu.value("same_gpu", false) && gpu["uuid"].is_string() &&
                    gpu["uuid"].get<std::string>() == g.uuid;
  part["same_gpu"] = same;
  if (part["verdict"] == "error" || code > exit_interrupted_base) return part;
  if (!same) {
    const auto listed = [](const json& v) { return v.empty() ? std::string("none") : v.dump(); };
    fail_part(part, code,
              "the run does not prove both sides ran on " + g.uuid + ": native ran on " +
                  listed(part["native_uuids"]) + ", the container on " +
                  listed(part["container_uuids"]) +
                  (part["container_uuids"].empty()
                       ? " (the GPU is missing from the container side)"
                       : ""));
  }
  return part;
}

namespace {

json not_run_part(const node_gpu& g, const std::string& why) {
  json part = gpu_json(g);
  part["status"] = "not_run";
  part["report"] = nullptr;
  part["verdict"] = "error";
  part["exit_code"] = exit_error;
  part["verdict_reason"] = why;
  return part;
}

// Whether the workload program has peer/ or nccl/ cases: its own list of cases, natively.
struct node_wide_probe {
  bool has_cases = false;
  std::string why_not;  // when it has none, or could not be asked
  bool failed = false;  // asking failed: an error, not a skip
};

node_wide_probe probe_node_wide(const run_options& run, std::size_t gpus) {
  if (run.programs == "torch")
    return {false, "--programs torch: the peer and nccl families are gpuparity-bench's", false};
  const std::string bench = native_bench_path(run);
  if (bench.empty()) return {false, "gpuparity-bench not found (--bench)", true};
  // Every case, no filter: gpuparity-bench exits 2 when a filter matches nothing.
  const auto r = run_process({bench, "--benchmark_list_tests"}, 60.0);
  if (r.interrupted) return {false, "interrupted", true};
  if (r.timed_out || r.exit_code != 0)
    return {false,
            bench + " --benchmark_list_tests failed (exit code " + std::to_string(r.exit_code) +
                (r.timed_out ? ", timed out" : "") + "): " + r.err.substr(0, 300),
            true};
  std::istringstream lines(r.out);
  bool peer = false, nccl = false;
  for (std::string line; std::getline(lines, line);) {
    peer = peer || line.rfind("peer/", 0) == 0;
    nccl = nccl || line.rfind("nccl/", 0) == 0;
  }
  if (nccl || (peer && gpus >= 2)) return {true, "", false};
  if (peer)  // one GPU: the peer cases say not_supported on both sides, nothing to judge
    return {false, "one GPU and " + bench + " has no nccl/ case: peer copies need 2 GPUs", false};
  return {false, bench + " has no case matching " + std::string(node_wide_filter), false};
}

// The node-wide run must have seen every GPU nvidia-smi listed, on both sides: a subset
// (an inherited CUDA_VISIBLE_DEVICES, a runtime that passed fewer GPUs) judges less than
// the node. Empty when it did, else why not.
std::string node_wide_gpus_problem(const json& part, const std::vector<node_gpu>& listed) {
  std::set<std::string> want;
  for (const auto& g : listed) want.insert(g.uuid);
  for (const char* side : {"native_gpus", "container_gpus"}) {
    std::set<std::string> saw;
    std::istringstream in(json_text(part, side));
    for (std::string u; std::getline(in, u, ',');)
      if (!u.empty()) saw.insert(u);
    if (saw != want)
      return std::string("the node-wide run's ") + (side[0] == 'n' ? "native" : "container") +
             " side saw " + (saw.empty() ? "no GPU list" : json_text(part, side)) + ", not the " +
             std::to_string(want.size()) + " GPU(s) nvidia-smi lists";
  }
  return "";
}

json node_wide_part(const node_options& o, const std::vector<node_gpu>& listed, console& con) {
  json part = {{"status", "skipped"}, {"filter", node_wide_filter}, {"report", nullptr},
               {"verdict", nullptr},  {"exit_code", nullptr},       {"verdict_reason", nullptr}};
  if (!o.node_wide) {
    part["verdict_reason"] = "--no-node-wide";
    return part;
  }
  const auto probe = probe_node_wide(o.run, listed.size());
  if (!probe.has_cases) {
    part["verdict_reason"] = probe.why_not;
    if (probe.failed) {
      part["status"] = "not_run";
      part["verdict"] = "error";
      part["exit_code"] =
          interrupted_signal() ? exit_interrupted_base + interrupted_signal() : exit_error;
    } else {
      con.progress("node-wide: skipped (" + probe.why_not + ")");
    }
    return part;
  }
  run_options r = o.run;
  r.container.gpus = {};  // all
  r.filter = node_wide_filter;
  r.programs = "bench";
  r.output = node_wide_report_path(o);
  r.junit.clear();
  r.prometheus.clear();
  con.progress("node-wide: every GPU on both sides, cases " + std::string(node_wide_filter));
  std::cout << "\nnode-wide, every GPU on both sides:\n";
  part["status"] = "not_run";
  part["verdict"] = "error";
  part["exit_code"] = exit_error;
  if (const std::string err = remove_stale_report(r.output); !err.empty()) {
    part["verdict_reason"] = err;
    return part;
  }
  const int code = run_parity(r);
  part["status"] = "run";
  part["report"] = r.output;
  part["verdict"] = "error";
  part["exit_code"] = code;
  try {
    const json rep = load_document(r.output).body;
    if (!is_run_report(rep)) throw document_error(r.output + " is not a run report");
    summarise_run(rep, part);
    part["native_gpus"] = rep["sides"]["native"].value("gpu_uuids", "");
    part["container_gpus"] = rep["sides"]["container"].value("gpu_uuids", "");
    std::string problem = not_this_runs(rep, code, r.output);
    if (problem.empty() && part["verdict"] != "error") problem = node_wide_gpus_problem(part, listed);
    if (!problem.empty()) {
      fail_part(part, code, problem);
    }
  } catch (const std::exception& e) {
    fail_part(part, code, std::string("its run wrote no readable report: ") + e.what());
  }
  return part;
}

node_part part_of(const json& p, const std::string& name) {
  node_part n;
  n.name = name;
  n.skipped = p["status"] == "skipped";
  n.verdict = json_text(p, "verdict");
  n.exit_code = p["exit_code"].is_number_integer() ? p["exit_code"].get<int>() : exit_error;
  n.reason = json_text(p, "verdict_reason");
  return n;
}

}  // namespace

std::string node_gpu_report_path(const node_options& o, int index) {
  return prefix_of(o) + "gpu" + std::to_string(index) + ".json";
}

std::string node_wide_report_path(const node_options& o) { return prefix_of(o) + "node-wide.json"; }

int run_node(const node_options& o) {
  const auto started = std::chrono::steady_clock::now();
  console con(std::cerr, "gpuparity node", o.run.quiet);
  json doc;
  doc["kind"] = "gpuparity-node";
  doc["schema_version"] = 1;
  doc["producer"] = producer_json();
  doc["argv"] = o.argv;
  doc["started_at"] = now_iso();
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  doc["host"] = {{"hostname", host}};
  const auto listing = list_node_gpus(o.nvidia_smi, o.nvidia_smi_timeout_s);
  doc["listing"] = {{"command", listing.command}, {"gpus", json::array()}, {"error", nullptr}};
  for (const auto& g : listing.gpus) doc["listing"]["gpus"].push_back(gpu_json(g));
  doc["selection"] = o.gpus;
  doc["order"] = "sequential";
  doc["config"] = {
      {"budget_seconds_per_run", o.run.budget_s},
      {"runtime", o.run.native_vs_native ? "none" : runtime_name(o.run.container.kind)},
      {"image", o.run.container.image},
      {"filter", o.run.filter},
      {"node_wide", o.node_wide}};
  doc["gpus"] = json::array();
  doc["node_wide"] = nullptr;
  std::vector<node_gpu> selected;
  std::string error = listing.error;
  int error_code = exit_error;
  if (!error.empty()) {
    doc["listing"]["error"] = error;
  } else {
    try {
      selected = select_node_gpus(listing.gpus, o.gpus);
    } catch (const std::invalid_argument& e) {
      error = e.what();
      error_code = exit_usage;  // a GPU the user named that the node does not have
    }
  }
  const int runs = static_cast<int>(selected.size()) + (o.node_wide && !selected.empty());
  doc["config"]["budget_seconds_total"] = o.run.budget_s * runs;
  std::vector<node_part> parts;
  for (std::size_t i = 0; i < selected.size(); ++i) {
    const auto& g = selected[i];
    const std::string name = "GPU " + std::to_string(g.index) + " (" + g.uuid + ")";
    if (interrupted_signal()) {
      doc["gpus"].push_back(not_run_part(g, "not run: gpuparity was interrupted before it"));
      continue;
    }
    con.progress(name + ", " + std::to_string(i + 1) + " of " + std::to_string(selected.size()) +
                 ": " + g.name + " at " + g.pci_bus_id);
    std::cout << "\n" << name << ", " << g.name << " at " << g.pci_bus_id << ":\n";
    run_options r = o.run;
    r.container.gpus = {gpu_selection_kind::uuid, g.uuid};
    r.output = node_gpu_report_path(o, g.index);
    r.junit.clear();
    r.prometheus.clear();
    if (const std::string err = remove_stale_report(r.output); !err.empty()) {
      doc["gpus"].push_back(not_run_part(g, err));
      continue;
    }
    const int code = run_parity(r);
    doc["gpus"].push_back(node_gpu_part(g, r.output, code));
    con.progress(name + ": " + json_text(doc["gpus"].back(), "verdict"));
  }
  for (const auto& p : doc["gpus"])
    parts.push_back(part_of(p, "GPU " + std::to_string(p["index"].get<int>()) + " (" +
                                   p["uuid"].get<std::string>() + ")"));
  if (!selected.empty()) {
    doc["node_wide"] = interrupted_signal()
                           ? json{{"status", "not_run"},
                                  {"filter", node_wide_filter},
                                  {"report", nullptr},
                                  {"verdict", "error"},
                                  {"exit_code", exit_interrupted_base + interrupted_signal()},
                                  {"verdict_reason", "not run: gpuparity was interrupted"}}
                           : node_wide_part(o, listing.gpus, con);
    parts.push_back(part_of(doc["node_wide"], "node-wide"));
  }
  decision d = error.empty() ? decide_node(parts) : decision{error_code, "error", error};
  if (const int sig = interrupted_signal(); sig && d.exit_code <= exit_interrupted_base)
    d = {exit_interrupted_base + sig, "error", "interrupted by " + signal_name(sig)};
  doc["verdict"] = d.verdict;
  doc["exit_code"] = d.exit_code;
  doc["verdict_reason"] = d.reason.empty() ? json(nullptr) : json(d.reason);
  doc["finished_at"] = now_iso();
  doc["timings"] = {
      {"wall_seconds",
       std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
  if (d.verdict == "error") con.error(d.reason);
  std::cout << node_summary_text(doc);
  int code = d.exit_code;
  for (const auto& [path, render] :
       {std::pair{o.junit, node_junit_xml}, std::pair{o.prometheus, node_prometheus_text},
        std::pair{o.markdown, node_markdown}})
    if (!path.empty()) {
      const auto err = write_output(path, render(doc));
      if (!err.empty()) {
        con.error(err);
        code = exit_error;
        doc["verdict"] = "error";
        doc["exit_code"] = code;
        doc["verdict_reason"] = err;
      }
    }
  const std::string werr = write_report(o.output, doc);
  if (!werr.empty()) {
    con.error(werr);
    return exit_error;
  }
  con.progress("node report written to " + o.output);
  return code;
}

}  // namespace gpuparity::harness
