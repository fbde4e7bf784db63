#include "fleet.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <set>
#include <tuple>

#include "decision.hpp"
#include "documents.hpp"
#include "findings_view.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "run.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

double median_of(std::vector<double>& v) {
  const std::size_t n = v.size(), h = n / 2;
  std::nth_element(v.begin(), v.begin() + h, v.end());
  const double hi = v[h];
  if (n % 2) return hi;
  return (*std::max_element(v.begin(), v.begin() + h) + hi) / 2;
}

std::optional<double> median_field(const json& m, const char* side) {
  if (!m.contains(side) || !m[side].is_object()) return std::nullopt;
  const auto it = m[side].find("median");
  if (it == m[side].end() || !it->is_number()) return std::nullopt;
  return it->get<double>();
}

// The first finding that explains a metric (findings_view's leading order), else null.
json top_finding_of(const json& report) {
  for (const json* f : findings_of(report, true))
    if (f->contains("explains") && (*f)["explains"].is_array() && !(*f)["explains"].empty())
      return {{"id", json_text(*f, "id")},
              {"severity", json_text(*f, "severity")},
              {"title", json_text(*f, "title")},
              {"fix", json_text(*f, "fix")},
              {"explains", (*f)["explains"]}};
  return nullptr;
}

bool known_verdict(const std::string& v) {
  return v == "parity" || v == "degraded" || v == "inconclusive" || v == "error";
}

json node_json(const fleet_node& n) {
  json j = {{"node", n.node},
            {"gpu_uuid", n.gpu_uuid},
            {"gpu_model", n.gpu_model},
            {"revision", n.revision},
            {"source", n.source},
            {"readable", n.readable},
            {"verdict", n.verdict},
            {"exit_code", n.exit_code},
            {"reason", n.reason.empty() ? json(nullptr) : json(n.reason)},
            {"top_finding", n.top_finding},
            {"duplicate", false},
            {"outlier_metrics", json::array()},
            {"metrics", json::object()}};
  for (const auto& m : n.metrics)
    j["metrics"][m.name] = {
        {"native_median", m.native_median ? json(*m.native_median) : json(nullptr)},
        {"container_median", m.container_median ? json(*m.container_median) : json(nullptr)},
        {"verdict", m.verdict}};
  return j;
}

json spread_json(std::vector<double> v) {
  if (v.empty()) return nullptr;
  const auto r = robust_of(std::move(v));
  return {{"median", r.median}, {"scaled_mad", r.scaled_mad}};
}

// One GPU model's metrics: distribution and outliers. nodes: indices into doc["nodes"].
json judge_group(json& doc_nodes, const std::vector<std::size_t>& members,
                 const std::vector<fleet_node>& nodes, const fleet_options& o) {
  std::map<std::string, std::vector<std::pair<std::size_t, const node_metric*>>> by_metric;
  for (std::size_t i : members)
    for (const auto& m : nodes[i].metrics) by_metric[m.name].push_back({i, &m});
  json metrics = json::array();
  for (const auto& [name, entries] : by_metric) {
    const node_metric& first = *entries.front().second;
    std::vector<double> native, container;
    for (const auto& [i, m] : entries) {
      if (m->native_median) native.push_back(*m->native_median);
      if (m->container_median) container.push_back(*m->container_median);
    }
    json g = {{"name", name},
              {"class", first.cls},
              {"higher_is_better", first.higher_is_better},
              {"margin", first.margin},
              {"decides", first.decides},
              {"nodes", native.size()},
              {"native", spread_json(native)},
              {"container", spread_json(container)},
              {"judged", false},
              {"not_judged_reason", nullptr},
              {"threshold", nullptr},
              {"outliers", json::array()}};
    if (native.size() < static_cast<std::size_t>(o.min_nodes)) {
      g["not_judged_reason"] = std::to_string(native.size()) + " node(s) measured it, fewer than " +
                               std::to_string(o.min_nodes) + " (--min-nodes)";
      metrics.push_back(std::move(g));
      continue;
    }
    const robust_spread fleet{g["native"]["median"].get<double>(),
                              g["native"]["scaled_mad"].get<double>()};
    if (fleet.median == 0 || !std::isfinite(fleet.median)) {
      g["not_judged_reason"] = "the fleet's median is 0";
      metrics.push_back(std::move(g));
      continue;
    }
    g["judged"] = true;
    g["threshold"] =
        std::max(o.outlier_threshold * fleet.scaled_mad / std::fabs(fleet.median), first.margin);
    for (const auto& [i, m] : entries) {
      if (!m->native_median) continue;
      const auto t = judge_outlier(*m->native_median, fleet, m->margin, m->higher_is_better,
                                   o.outlier_threshold);
      if (!t.outlier) continue;
      g["outliers"].push_back({{"node", nodes[i].node},
                               {"gpu_uuid", nodes[i].gpu_uuid},
                               {"source", nodes[i].source},
                               {"native_median", *m->native_median},
                               {"worse_by", t.worse_by}});
      if (first.decides) doc_nodes[i]["outlier_metrics"].push_back(name);
    }
    metrics.push_back(std::move(g));
  }
  return metrics;
}

// error > degraded > inconclusive > parity, as the fleet's verdict.
std::pair<std::string, std::string> fleet_verdict(const json& doc_nodes) {
  int unreadable = 0, error = 0, degraded = 0, outliers = 0, inconclusive = 0;
  for (const auto& n : doc_nodes) {
    const std::string v = n["verdict"];
    if (!n["readable"].get<bool>())
      ++unreadable;
    else if (v == "error")
      ++error;
    if (v == "degraded") ++degraded;
    if (v == "inconclusive") ++inconclusive;
    if (!n["outlier_metrics"].empty()) ++outliers;
  }
  std::vector<std::string> why;
  auto say = [&](int count, const char* what) {
    if (count) why.push_back(std::to_string(count) + " " + what);
  };
  say(unreadable, "unreadable report(s)");
  say(error, "node(s) in error");
  say(degraded, "node(s) degraded");
  say(outliers, "outlier node(s)");
  say(inconclusive, "node(s) inconclusive");
  std::string reason;
  for (const auto& w : why) reason += (reason.empty() ? "" : ", ") + w;
  if (unreadable || error) return {"error", reason};
  if (degraded || outliers) return {"degraded", reason};
  if (inconclusive) return {"inconclusive", reason};
  return {"parity", ""};
}

}  // namespace

robust_spread robust_of(std::vector<double> v) {
  robust_spread r;
  r.median = median_of(v);
  for (double& x : v) x = std::fabs(x - r.median);
  r.scaled_mad = mad_scale * median_of(v);
  return r;
}

outlier_test judge_outlier(double value, const robust_spread& fleet, double margin,
                           bool higher_is_better, double k) {
  outlier_test t;
  const double scale = std::fabs(fleet.median);
  if (scale == 0 || !std::isfinite(scale)) return t;
  t.worse_by = (higher_is_better ? fleet.median - value : value - fleet.median) / scale;
  t.threshold = std::max(k * fleet.scaled_mad / scale, margin);
  t.outlier = t.worse_by > t.threshold;
  return t;
}

std::vector<std::string> fleet_inputs(const std::vector<std::string>& args) {
  namespace fs = std::filesystem;
  std::vector<std::string> out;
  for (const auto& a : args) {
    std::error_code ec;
    if (!fs::is_directory(a, ec)) {
      out.push_back(a);
      continue;
    }
    std::vector<std::string> found;
    for (fs::recursive_directory_iterator it(a, fs::directory_options::skip_permission_denied, ec),
         end;
         !ec && it != end; it.increment(ec)) {
      const std::string name = it->path().filename().string();
      if (name.size() > 12 && name.compare(name.size() - 12, 12, ".report.json") == 0 &&
          it->is_regular_file(ec))
        found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

fleet_node read_fleet_node(const std::string& path) {
  fleet_node n;
  n.source = path;
  n.node = std::filesystem::path(path).filename().string();
  try {
    const document d = load_document(path);
    if (d.kind != document_kind::run_report)
      throw document_error(path + " is a " + document_kind_name(d.kind) +
                           ", not a `gpuparity run` report");
    const json& r = d.body;
    if (r.contains("host") && r["host"].is_object() && !json_text(r["host"], "hostname").empty())
      n.node = json_text(r["host"], "hostname");
    if (r.contains("gpu") && r["gpu"].is_object()) {
      n.gpu_uuid = json_text(r["gpu"], "uuid");
      n.gpu_model = json_text(r["gpu"], "name");
    }
    if (n.gpu_model.empty() && r.contains("sides"))
      n.gpu_model = json_text(r["sides"]["native"], "gpu_name");
    if (r.contains("config") && r["config"].is_object() && r["config"].contains("gpus") &&
        r["config"]["gpus"].is_object())
      n.gpu_selection = json_text(r["config"]["gpus"], "selection");
    if (r.contains("producer")) n.revision = json_text(r["producer"], "git_revision");
    if (r.contains("config") && r["config"].is_object() && r["config"].contains("workload_args"))
      n.workload_args = r["config"]["workload_args"].dump();
    n.readable = true;
    n.verdict = json_text(r, "verdict");
    n.exit_code = r.value("exit_code", static_cast<int>(exit_error));
    n.reason = verdict_reason_of(r);
    if (!known_verdict(n.verdict)) {
      n.reason = "verdict \"" + n.verdict + "\"" + (n.reason.empty() ? "" : ": " + n.reason);
      n.verdict = "error";
    }
    // A pass its own audit forbids is not one (decision.hpp).
    if (n.verdict == "parity") {
      const auto d = recheck_pass(r.value("audit", json::array()));
      if (d.verdict != "parity") n.verdict = d.verdict, n.exit_code = d.exit_code, n.reason = d.reason;
    }
    n.top_finding = top_finding_of(r);
    for (const auto& m : r["metrics"])
      n.metrics.push_back({json_text(m, "name"), json_text(m, "class"), json_text(m, "verdict"),
                           m.value("higher_is_better", true), m.value("decides", true),
                           m.value("margin", 0.0), median_field(m, "native"),
                           median_field(m, "container")});
  } catch (const std::exception& e) {
    n.readable = false;
    n.verdict = "error";
    n.exit_code = exit_error;
    n.reason = e.what();
    n.metrics.clear();
  }
  return n;
}

json make_fleet(const std::vector<fleet_node>& nodes, const fleet_options& o,
                const std::vector<std::string>& argv) {
  json doc = {{"kind", "gpuparity-fleet"},
              {"schema_version", fleet_schema_version},
              {"producer", producer_json()},
              {"argv", argv},
              {"created_at", now_iso()},
              {"rule",
               {{"name", "median_mad"},
                {"threshold", o.outlier_threshold},
                {"min_nodes", o.min_nodes},
                {"mad_scale", mad_scale},
                {"statement",
                 "a node is an outlier for a metric when its native median is worse than the "
                 "median of the nodes of its GPU model by more than max(threshold x scaled MAD, "
                 "the metric's margin), as fractions of that median; judged only where at least "
                 "min_nodes nodes measured the metric"},
                {"reference",
                 "B. Iglewicz and D. C. Hoaglin, How to Detect and Handle Outliers (ASQC, 1993): "
                 "modified z-score 0.6745 (x - median) / MAD > 3.5"}}},
              {"verdict", "error"},
              {"exit_code", static_cast<int>(exit_error)},
              {"verdict_reason", nullptr},
              {"counts", json::object()},
              {"duplicates", json::array()},
              {"nodes", json::array()},
              {"groups", json::array()}};
  json& dn = doc["nodes"];
  for (const auto& n : nodes) dn.push_back(node_json(n));
  // Two reports of one node and GPU: both kept, both marked, listed once. A run that
  // measured no GPU is told apart by the GPU it was asked for (--gpus 0, --gpus 1 of one node
  // that failed are two GPUs, not a duplicate).
  std::map<std::pair<std::string, std::string>, std::vector<std::size_t>> seen;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    const auto& n = nodes[i];
    if (n.readable)
      seen[{n.node, n.gpu_uuid.empty() ? "--gpus " + n.gpu_selection : n.gpu_uuid}].push_back(i);
  }
  for (const auto& [key, idx] : seen) {
    if (idx.size() < 2) continue;
    json sources = json::array();
    for (std::size_t i : idx) dn[i]["duplicate"] = true, sources.push_back(nodes[i].source);
    doc["duplicates"].push_back(
        {{"node", key.first}, {"gpu_uuid", nodes[idx[0]].gpu_uuid}, {"sources", sources}});
  }
  // Only nodes of one GPU model are compared with each other.
  std::map<std::string, std::vector<std::size_t>> models;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].readable) models[nodes[i].gpu_model].push_back(i);
  for (const auto& [model, members] : models) {
    std::set<std::string> revisions, args;
    for (std::size_t i : members)
      revisions.insert(nodes[i].revision), args.insert(nodes[i].workload_args);
    doc["groups"].push_back({{"gpu_model", model},
                             {"nodes", members.size()},
                             {"revisions", revisions},
                             {"workload_args", args},
                             {"same_workloads", revisions.size() == 1 && args.size() == 1},
                             {"metrics", judge_group(dn, members, nodes, o)}});
  }
  const auto [verdict, reason] = fleet_verdict(dn);
  doc["verdict"] = verdict;
  doc["exit_code"] = verdict == "parity"         ? exit_parity
                     : verdict == "degraded"     ? exit_degraded
                     : verdict == "inconclusive" ? exit_inconclusive
                                                 : exit_error;
  doc["verdict_reason"] = reason.empty() ? json(nullptr) : json(reason);
  json counts = {{"nodes", nodes.size()}, {"unreadable", 0}, {"parity", 0},  {"degraded", 0},
                 {"inconclusive", 0},     {"error", 0},      {"outliers", 0}};
  for (const auto& n : dn) {
    if (!n["readable"].get<bool>()) counts["unreadable"] = counts["unreadable"].get<int>() + 1;
    const std::string v = n["verdict"];
    counts[v] = counts[v].get<int>() + 1;
    if (!n["outlier_metrics"].empty()) counts["outliers"] = counts["outliers"].get<int>() + 1;
  }
  doc["counts"] = counts;
  return doc;
}

}  // namespace gpuparity::harness
