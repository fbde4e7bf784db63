// The fleet document in the formats a run's report has (outputs.cpp): Markdown, JUnit XML,
// the Prometheus text format and a self-contained HTML page.
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "fleet.hpp"
#include "json_util.hpp"
#include "outputs.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

const char* const classes[] = {"bandwidth", "compute", "latency", "round_trip", "startup", "host"};

std::string percent(double fraction) {
  char b[32];
  std::snprintf(b, sizeof b, "%.1f%%", 100 * fraction);
  return b;
}

bool at_parity(const json& n) { return n["verdict"] == "parity" && n["outlier_metrics"].empty(); }

std::string node_label(const json& n) {
  const std::string uuid = json_text(n, "gpu_uuid");
  return json_text(n, "node") + (uuid.empty() ? "" : " / " + uuid);
}

// Outlier metric -> how much worse than the fleet, for node n (by its source).
std::map<std::string, double> outliers_of(const json& doc, const json& n) {
  std::map<std::string, double> out;
  for (const auto& g : doc["groups"])
    for (const auto& m : g["metrics"])
      for (const auto& o : m["outliers"])
        if (o["source"] == n["source"]) out[m["name"]] = o["worse_by"].get<double>();
  return out;
}

// Why a node is not at parity, in one line: its reason, top finding, outlier metrics.
std::string cause_of_node(const json& doc, const json& n) {
  std::string s = json_text(n, "reason");
  if (n["top_finding"].is_object()) {
    const json& f = n["top_finding"];
    s += (s.empty() ? "" : "; ") + json_text(f, "id") + ": " + json_text(f, "title") +
         ". Fix: " + json_text(f, "fix");
  }
  std::string worse;
  for (const auto& [name, by] : outliers_of(doc, n))
    for (const auto& counted : n["outlier_metrics"])
      if (counted == name)
        worse += (worse.empty() ? "" : ", ") + name + " " + percent(by) + " worse";
  if (!worse.empty())
    s += std::string(s.empty() ? "" : "; ") + "outlier against the fleet's native median: " + worse;
  if (n["duplicate"].get<bool>()) s += std::string(s.empty() ? "" : "; ") + "duplicate report";
  return s;
}

std::string md_cell(std::string s) {
  std::string o;
  for (char c : s)
    o += c == '|' ? std::string("\\|") : c == '\n' ? std::string(" ") : std::string(1, c);
  return o;
}

}  // namespace

std::string fleet_markdown(const json& doc) {
  std::ostringstream s;
  const json& c = doc["counts"];
  s << "## gpuparity fleet: **" << json_text(doc, "verdict") << "** (exit "
    << json_text(doc, "exit_code") << ")\n\n";
  if (!doc["verdict_reason"].is_null()) s << json_text(doc, "verdict_reason") << ".\n\n";
  s << c["nodes"] << " report(s): " << c["parity"] << " parity, " << c["degraded"] << " degraded, "
    << c["inconclusive"] << " inconclusive, " << c["error"] << " error (" << c["unreadable"]
    << " unreadable); " << c["outliers"] << " outlier node(s).\n\n";
  bool any = false;
  for (const auto& n : doc["nodes"]) {
    if (at_parity(n)) continue;
    if (!any) s << "| node / GPU | verdict | outlier | cause | report |\n|---|---|---|---|---|\n";
    any = true;
    s << "| " << md_cell(node_label(n)) << " | " << json_text(n, "verdict") << " | "
      << (n["outlier_metrics"].empty() ? "no" : "yes") << " | " << md_cell(cause_of_node(doc, n))
      << " | " << md_cell(json_text(n, "source")) << " |\n";
  }
  if (!any) s << "Every node is at parity and none is an outlier.\n";
  for (const auto& d : doc["duplicates"])
    s << "\nTwo or more reports of " << json_text(d, "node") << " / " << json_text(d, "gpu_uuid")
      << ": " << md_cell(d["sources"].dump()) << "\n";
  s << "\nOutlier rule: " << json_text(doc["rule"], "statement") << " (threshold "
    << json_text(doc["rule"], "threshold") << ", at least " << json_text(doc["rule"], "min_nodes")
    << " nodes). Nodes are compared only with nodes of the same GPU model.\n";
  for (const auto& g : doc["groups"]) {
    int judged = 0;
    for (const auto& m : g["metrics"]) judged += m["judged"].get<bool>();
    s << "\n- " << json_text(g, "gpu_model") << ": " << g["nodes"] << " node(s), " << judged
      << " of " << g["metrics"].size() << " metric(s) judged for outliers";
    if (!g["same_workloads"].get<bool>())
      s << "; **the nodes ran " << g["revisions"].size() << " gpuparity revision(s) and "
        << g["workload_args"].size()
        << " set(s) of workload arguments: an outlier may be the code's, not the node's**";
    s << "\n";
  }
  return s.str();
}

std::string fleet_junit(const json& doc) {
  std::ostringstream cases;
  int failures = 0, skipped = 0;
  for (const auto& n : doc["nodes"]) {
    cases << "    <testcase classname=\"gpuparity.fleet." << xml_escape(json_text(n, "gpu_model"))
          << "\" name=\"" << xml_escape(node_label(n)) << "\" time=\"0\">\n";
    const std::string v = json_text(n, "verdict");
    const std::string why = xml_escape(cause_of_node(doc, n));
    if (v == "error" || v == "degraded" || !n["outlier_metrics"].empty()) {
      ++failures;
      cases << "      <failure type=\"" << (n["outlier_metrics"].empty() ? v : "outlier")
            << "\" message=\"" << xml_escape(v) << ": " << why << "\"/>\n";
    } else if (v == "inconclusive") {
      ++skipped;
      cases << "      <skipped message=\"inconclusive: " << why << "\"/>\n";
    }
    cases << "      <system-out>" << xml_escape(json_text(n, "source")) << "</system-out>\n"
          << "    </testcase>\n";
  }
  std::ostringstream s;
  const std::string counts = "tests=\"" + std::to_string(doc["nodes"].size()) + "\" failures=\"" +
                             std::to_string(failures) + "\" errors=\"0\" skipped=\"" +
                             std::to_string(skipped) + "\"";
  s << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gpuparity fleet\" " << counts
    << ">\n  <testsuite name=\"gpuparity fleet\" " << counts << " time=\"0\" timestamp=\""
    << xml_escape(json_text(doc, "created_at")) << "\">\n"
    << cases.str() << "  </testsuite>\n</testsuites>\n";
  return s.str();
}

std::string fleet_prometheus(const json& doc) {
  std::ostringstream s;
  auto family = [&](const char* name, const char* help) {
    s << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
  };
  auto node_labels = [](const json& n) {
    return "node=\"" + label_value(json_text(n, "node")) + "\",gpu=\"" +
           label_value(json_text(n, "gpu_uuid")) + "\",model=\"" +
           label_value(json_text(n, "gpu_model")) + "\",source=\"" +
           label_value(json_text(n, "source")) + "\"";
  };
  const std::string verdict = json_text(doc, "verdict");
  family("gpuparity_fleet_verdict", "1 for the fleet's verdict, 0 for the others");
  for (const char* v : {"parity", "degraded", "inconclusive", "error"})
    s << "gpuparity_fleet_verdict{verdict=\"" << v << "\"} " << (verdict == v) << "\n";
  family("gpuparity_fleet_exit_code", "the exit code gpuparity fleet returned");
  s << "gpuparity_fleet_exit_code " << json_text(doc, "exit_code") << "\n";
  family("gpuparity_fleet_node_verdict", "1 for the node's parity verdict, 0 for the others");
  for (const auto& n : doc["nodes"])
    for (const char* v : {"parity", "degraded", "inconclusive", "error"})
      s << "gpuparity_fleet_node_verdict{" << node_labels(n) << ",verdict=\"" << v << "\"} "
        << (n["verdict"] == v) << "\n";
  family("gpuparity_fleet_node_readable", "1 when the node's report could be read");
  for (const auto& n : doc["nodes"])
    s << "gpuparity_fleet_node_readable{" << node_labels(n) << "} " << n["readable"].get<bool>()
      << "\n";
  family("gpuparity_fleet_node_outlier", "1 when the node is an outlier of its GPU model");
  for (const auto& n : doc["nodes"])
    s << "gpuparity_fleet_node_outlier{" << node_labels(n) << "} " << !n["outlier_metrics"].empty()
      << "\n";
  family("gpuparity_fleet_node_native_median", "the node's native median of the metric (SI units)");
  for (const auto& n : doc["nodes"])
    for (const auto& [name, m] : n["metrics"].items())
      if (m["native_median"].is_number())
        s << "gpuparity_fleet_node_native_median{" << node_labels(n) << ",metric=\""
          << label_value(name) << "\"} " << prom_number(m["native_median"].get<double>()) << "\n";
  family("gpuparity_fleet_metric_median", "the fleet's median of the nodes' medians, per side");
  for (const auto& g : doc["groups"])
    for (const auto& m : g["metrics"])
      for (const char* side : {"native", "container"})
        if (m[side].is_object())
          s << "gpuparity_fleet_metric_median{model=\"" << label_value(json_text(g, "gpu_model"))
            << "\",metric=\"" << label_value(json_text(m, "name")) << "\",side=\"" << side << "\"} "
            << prom_number(m[side]["median"].get<double>()) << "\n";
  return s.str();
}

std::string fleet_html(const json& doc) {
  std::map<std::string, std::string> class_of;
  for (const auto& g : doc["groups"])
    for (const auto& m : g["metrics"]) class_of[m["name"]] = m["class"];
  std::ostringstream s;
  s << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gpuparity fleet: "
    << xml_escape(json_text(doc, "verdict"))
    << "</title>\n<style>body{font-family:sans-serif;margin:1.5em}table{border-collapse:collapse}"
       "td,th{border:1px solid #ccc;padding:2px 6px;font-size:13px}.parity,.better{background:#cfc}"
       ".degraded,.outlier{background:#fbb}.inconclusive{background:#ffd}.error{background:#f88}"
       ".none{color:#999}.src{color:#666;font-size:11px;word-break:break-all}"
       ".cause{min-width:24em;overflow-wrap:anywhere}td:first-child{min-width:15em}</style></"
       "head><body>\n<h1>gpuparity fleet: "
    << xml_escape(json_text(doc, "verdict")) << " (exit " << json_text(doc, "exit_code")
    << ")</h1>\n<p>" << xml_escape(json_text(doc, "verdict_reason", "every node at parity"))
    << "</p>\n<p>Outlier rule: " << xml_escape(json_text(doc["rule"], "statement"))
    << " (threshold " << json_text(doc["rule"], "threshold") << ", min nodes "
    << json_text(doc["rule"], "min_nodes")
    << "). Cells: the worst verdict of the node's metrics of "
    << "that class; <b>outlier</b> where one of them is.</p>\n";
  for (const auto& g : doc["groups"])
    if (!g["same_workloads"].get<bool>())
      s << "<p><b>" << xml_escape(json_text(g, "gpu_model")) << ": the nodes ran "
        << g["revisions"].size() << " gpuparity revision(s) and " << g["workload_args"].size()
        << " set(s) of workload arguments: an outlier may be the code's, not the node's.</b></p>\n";
  s << "<table>\n<tr><th>node / GPU</th>"
       "<th>model</th><th>verdict</th>";
  for (const char* c : classes) s << "<th>" << c << "</th>";
  s << "<th>cause</th></tr>\n";
  const std::map<std::string, int> rank = {
      {"parity", 0}, {"better", 0}, {"inconclusive", 1}, {"degraded", 2}, {"error", 3}};
  for (const auto& n : doc["nodes"]) {
    const std::string v = json_text(n, "verdict");
    // The report's path shown, not only hovered: runs of one node (many reports of "vm")
    // would otherwise be rows that cannot be told apart on the page or on paper.
    s << "<tr><td>" << xml_escape(node_label(n)) << "<br><span class=\"src\">"
      << xml_escape(json_text(n, "source")) << "</span></td><td>"
      << xml_escape(json_text(n, "gpu_model")) << "</td><td class=\"" << v << "\">" << v << "</td>";
    std::set<std::string> outlier_classes;
    for (const auto& o : n["outlier_metrics"]) outlier_classes.insert(class_of[o]);
    for (const char* c : classes) {
      std::string worst;
      for (const auto& [name, m] : n["metrics"].items()) {
        if (class_of[name] != c) continue;
        const std::string mv = json_text(m, "verdict");
        const int r = rank.count(mv) ? rank.at(mv) : 3;
        if (worst.empty() || r > rank.at(worst)) worst = rank.count(mv) ? mv : "error";
      }
      if (outlier_classes.count(c))
        s << "<td class=\"outlier\"><b>outlier</b></td>";
      else if (worst.empty())
        s << "<td class=\"none\">–</td>";
      else
        s << "<td class=\"" << worst << "\">" << worst << "</td>";
    }
    s << "<td class=\"cause\">" << xml_escape(cause_of_node(doc, n)) << "</td></tr>\n";
  }
  s << "</table>\n</body></html>\n";
  return s.str();
}

}  // namespace gpuparity::harness
