// A node report (`gpuparity node`, node.hpp) for people and for other tools: the console
// summary, JUnit XML, the Prometheus text format and Markdown. Each GPU's own run report is
// rendered by `gpuparity report`; these say what the node report holds.
#include <sstream>

#include "decision.hpp"
#include "json_util.hpp"
#include "node.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string text_or(const json& o, const char* key, const std::string& fallback) {
  const std::string t = json_text(o, key);
  return t.empty() ? fallback : t;
}

std::string lbl(const char* k, const std::string& v) {
  return std::string(k) + "=\"" + label_value(v) + "\"";
}

// The labels of one GPU: its UUID, index, PCI bus id and model.
std::string gpu_labels(const json& g) {
  return lbl("gpu_uuid", json_text(g, "uuid")) + "," +
         lbl("gpu_index", std::to_string(g["index"].get<int>())) + "," +
         lbl("gpu_bus_id", json_text(g, "pci_bus_id")) + "," +
         lbl("gpu_name", json_text(g, "name"));
}

std::string counts_text(const json& p) {
  if (!p.contains("metric_counts")) return "-";
  const json& c = p["metric_counts"];
  return std::to_string(c.value("parity", 0) + c.value("better", 0)) + "/" +
         std::to_string(c.value("degraded", 0)) + "/" + std::to_string(c.value("inconclusive", 0));
}

std::string pad(std::string s, std::size_t n) {
  if (s.size() < n) s.append(n - s.size(), ' ');
  return s + " ";
}

// A part's <testsuite>: its metrics, its audit's errors and warnings, and its own error.
void junit_part(std::ostringstream& x, const std::string& name, const json& p,
                const std::string& properties, int totals[4]) {
  std::ostringstream cases;
  int t = 0, f = 0, e = 0, k = 0;
  const std::string cls = "gpuparity.node." + name;
  if (json_text(p, "status") == "skipped") {
    ++t, ++k;
    cases << "    <testcase classname=\"" << xml_escape(cls) << "\" name=\"skipped\" time=\"0\">\n"
          << "      <skipped message=\"" << xml_escape(json_text(p, "verdict_reason"))
          << "\"/>\n    </testcase>\n";
  }
  for (const auto& m : p.value("metrics", json::array())) {
    ++t;
    const std::string v = json_text(m, "verdict");
    cases << "    <testcase classname=\"" << xml_escape(cls + "." + json_text(m, "class"))
          << "\" name=\"" << xml_escape(json_text(m, "name")) << "\" time=\"0\">\n";
    const std::string what = v + ", ratio " + fixed_text(m["ratio"].get<double>(), 4);
    if ((v == "degraded" || v == "error") && m.value("decides", true)) {
      ++f;
      cases << "      <failure type=\"" << xml_escape(v) << "\" message=\"" << xml_escape(what)
            << "\"/>\n";
    } else if (v == "inconclusive" || !m.value("decides", true)) {
      ++k;
      cases << "      <skipped message=\"" << xml_escape(what) << "\"/>\n";
    } else {
      cases << "      <system-out>" << xml_escape(what) << "</system-out>\n";
    }
    cases << "    </testcase>\n";
  }
  for (const auto& a : p.value("audit", json::array())) {
    ++t;
    const bool err = json_text(a, "severity") == "error", skip = disturbs_measurement(a);
    f += err;
    k += skip;  // a disturbed measurement holds the pass back (decision.hpp)
    cases << "    <testcase classname=\"" << xml_escape(cls) << ".audit\" name=\""
          << xml_escape(json_text(a, "id")) << "\" time=\"0\">\n      "
          << (err ? "<failure type=\"audit\" message=\"" : skip ? "<skipped message=\"" : "<system-out>")
          << xml_escape(json_text(a, "title")) << (err || skip ? "\"/>\n" : "</system-out>\n")
          << "    </testcase>\n";
  }
  if (json_text(p, "verdict") == "error") {
    ++t, ++e;
    const std::string why = text_or(p, "verdict_reason", "error");
    cases << "    <testcase classname=\"" << xml_escape(cls) << "\" name=\"error\" time=\"0\">\n"
          << "      <error type=\"error\" message=\"" << xml_escape(why) << "\">" << xml_escape(why)
          << "</error>\n    </testcase>\n";
  }
  x << "  <testsuite name=\"gpuparity node: " << xml_escape(name) << "\" tests=\"" << t
    << "\" failures=\"" << f << "\" errors=\"" << e << "\" skipped=\"" << k << "\" time=\"0\">\n"
    << "    <properties>\n      <property name=\"verdict\" value=\""
    << xml_escape(text_or(p, "verdict", "skipped")) << "\"/>\n"
    << properties << "    </properties>\n"
    << cases.str() << "  </testsuite>\n";
  totals[0] += t, totals[1] += f, totals[2] += e, totals[3] += k;
}

std::string property(const char* name, const std::string& value) {
  return std::string("      <property name=\"") + name + "\" value=\"" + xml_escape(value) +
         "\"/>\n";
}

}  // namespace

std::string node_summary_text(const json& doc) {
  std::ostringstream s;
  s << "\ngpuparity node " << json_text(doc["host"], "hostname") << ": "
    << json_text(doc, "verdict") << " (exit " << doc["exit_code"].get<int>() << ")\n";
  s << "  " << pad("GPU", 4) << pad("UUID", 41) << pad("bus id", 16) << pad("verdict", 12)
    << pad("ok/worse/open", 13) << "report\n";
  for (const auto& g : doc["gpus"])
    s << "  " << pad(std::to_string(g["index"].get<int>()), 4) << pad(json_text(g, "uuid"), 41)
      << pad(json_text(g, "pci_bus_id"), 16) << pad(json_text(g, "verdict"), 12)
      << pad(counts_text(g), 13) << text_or(g, "report", "-") << "\n";
  if (doc["node_wide"].is_object()) {
    const json& w = doc["node_wide"];
    s << "  node-wide (" << json_text(w, "filter")
      << "): " << (json_text(w, "status") == "skipped" ? "skipped" : json_text(w, "verdict")) << " "
      << counts_text(w) << " " << text_or(w, "report", "") << "\n";
    if (json_text(w, "status") == "skipped") s << "    " << json_text(w, "verdict_reason") << "\n";
  }
  for (const auto& g : doc["gpus"])
    if (json_text(g, "verdict") != "parity" && !json_text(g, "verdict_reason").empty())
      s << "  GPU " << g["index"].get<int>() << ": " << json_text(g, "verdict_reason") << "\n";
  if (!json_text(doc, "verdict_reason").empty())
    s << "  node: " << json_text(doc, "verdict_reason") << "\n";
  return s.str();
}

std::string node_junit_xml(const json& doc) {
  std::ostringstream suites;
  int totals[4] = {0, 0, 0, 0};
  for (const auto& g : doc["gpus"])
    junit_part(suites, "GPU " + std::to_string(g["index"].get<int>()), g,
               property("gpu_uuid", json_text(g, "uuid")) +
                   property("gpu_index", std::to_string(g["index"].get<int>())) +
                   property("gpu_bus_id", json_text(g, "pci_bus_id")) +
                   property("gpu_name", json_text(g, "name")) +
                   property("report", json_text(g, "report")),
               totals);
  if (doc["node_wide"].is_object())
    junit_part(suites, "node-wide", doc["node_wide"],
               property("filter", json_text(doc["node_wide"], "filter")), totals);
  if (doc["gpus"].empty()) {  // nothing ran: the node's own error is the one case
    json p = {{"verdict", doc["verdict"]}, {"verdict_reason", doc["verdict_reason"]}};
    junit_part(suites, "node", p, "", totals);
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gpuparity node\" tests=\""
    << totals[0] << "\" failures=\"" << totals[1] << "\" errors=\"" << totals[2] << "\" skipped=\""
    << totals[3] << "\">\n"
    << suites.str() << "</testsuites>\n";
  return x.str();
}

std::string node_prometheus_text(const json& doc) {
  const std::string common = lbl("host", json_text(doc["host"], "hostname")) + "," +
                             lbl("runtime", json_text(doc["config"], "runtime")) + "," +
                             lbl("image", json_text(doc["config"], "image"));
  std::ostringstream s;
  const auto family = [&](const std::string& name, const std::string& help) {
    s << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
  };
  const auto sample = [&](const std::string& name, const std::string& labels, double v) {
    s << name << "{" << common << (labels.empty() ? "" : "," + labels) << "} " << prom_number(v)
      << "\n";
  };
  const char* verdicts[] = {"parity", "degraded", "inconclusive", "error"};
  family("gpuparity_node_verdict", "1 for the node's verdict (the worst of its parts), 0 else");
  for (const char* v : verdicts)
    sample("gpuparity_node_verdict", lbl("verdict", v), json_text(doc, "verdict") == v);
  family("gpuparity_node_exit_code", "the exit code gpuparity node returned");
  sample("gpuparity_node_exit_code", "", doc["exit_code"].get<int>());
  family("gpuparity_node_gpu_verdict", "1 for each GPU's verdict, 0 for the others");
  for (const auto& g : doc["gpus"])
    for (const char* v : verdicts)
      sample("gpuparity_node_gpu_verdict", gpu_labels(g) + "," + lbl("verdict", v),
             json_text(g, "verdict") == v);
  family("gpuparity_node_gpu_exit_code", "the exit code of each GPU's run");
  for (const auto& g : doc["gpus"])
    sample("gpuparity_node_gpu_exit_code", gpu_labels(g), g["exit_code"].get<int>());
  family("gpuparity_node_metric_ratio",
         "container performance relative to native per GPU (1 = equal, < 1 = worse)");
  for (const auto& g : doc["gpus"])
    for (const auto& m : g.value("metrics", json::array()))
      sample("gpuparity_node_metric_ratio",
             gpu_labels(g) + "," + lbl("metric", json_text(m, "name")), m["ratio"].get<double>());
  family("gpuparity_node_metric_verdict", "1 for each GPU's metric verdict, 0 for the others");
  for (const auto& g : doc["gpus"])
    for (const auto& m : g.value("metrics", json::array()))
      for (const char* v : {"parity", "degraded", "better", "inconclusive", "error"})
        sample("gpuparity_node_metric_verdict",
               gpu_labels(g) + "," + lbl("metric", json_text(m, "name")) + "," + lbl("verdict", v),
               json_text(m, "verdict") == v);
  if (doc["node_wide"].is_object()) {
    const json& w = doc["node_wide"];
    family("gpuparity_node_wide_verdict",
           "1 for the node-wide run's verdict (skipped: the workloads have no such cases)");
    const std::string nv =
        json_text(w, "status") == "skipped" ? "skipped" : json_text(w, "verdict");
    for (const char* v : {"parity", "degraded", "inconclusive", "error", "skipped"})
      sample("gpuparity_node_wide_verdict", lbl("verdict", v), nv == v);
    family("gpuparity_node_wide_metric_ratio",
           "container performance relative to native of the work across GPUs");
    for (const auto& m : w.value("metrics", json::array()))
      sample("gpuparity_node_wide_metric_ratio", lbl("metric", json_text(m, "name")),
             m["ratio"].get<double>());
  }
  return s.str();
}

std::string node_markdown(const json& doc) {
  std::ostringstream md;
  md << "## gpuparity node " << json_text(doc["host"], "hostname") << ": **"
     << json_text(doc, "verdict") << "**\n\n";
  if (!json_text(doc, "verdict_reason").empty()) md << json_text(doc, "verdict_reason") << "\n\n";
  md << "| GPU | UUID | bus id | model | verdict | ok/worse/open | report |\n"
     << "|---|---|---|---|---|---|---|\n";
  for (const auto& g : doc["gpus"])
    md << "| " << g["index"].get<int>() << " | " << json_text(g, "uuid") << " | "
       << json_text(g, "pci_bus_id") << " | " << json_text(g, "name") << " | "
       << json_text(g, "verdict") << " | " << counts_text(g) << " | " << text_or(g, "report", "-")
       << " |\n";
  if (doc["node_wide"].is_object()) {
    const json& w = doc["node_wide"];
    md << "\nNode-wide (`" << json_text(w, "filter") << "`): "
       << (json_text(w, "status") == "skipped" ? "skipped: " + json_text(w, "verdict_reason")
                                               : json_text(w, "verdict") + " " + counts_text(w))
       << "\n";
  }
  return md.str();
}

}  // namespace gpuparity::harness
