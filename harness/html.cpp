// `gpuparity report --html`: one self-contained page (inline CSS and SVG, no script, no
// network) for a run report or a comparison. It leads with the decision: the verdict and
// how many metrics reached each verdict, the metrics not at parity with their causes and
// what to do; the charts, tables and environment follow.
#include <map>
#include <sstream>
#include <vector>

#include "findings_view.hpp"
#include "html_charts.hpp"
#include "html_environment.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "verdict_view.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string num(double v, int digits = 1) { return fixed_text(v, digits); }
std::string e(const std::string& s) { return xml_escape(s); }

struct sides_of {
  std::string a, b;  // the reference and the side judged against it
};
sides_of side_names(const json& d) {
  return is_comparison(d) ? sides_of{"baseline", "candidate"} : sides_of{"native", "container"};
}

std::string badge(const std::string& verdict) {
  return "<span class=\"badge\" style=\"background:" + std::string(verdict_colour(verdict)) +
         "\">" + e(verdict) + "</span>";
}

// "3 degraded", "12 parity", ... as coloured chips, worst first.
std::string counts_html(const verdict_summary& v, const char* id = "counts") {
  std::ostringstream s;
  s << "<p class=\"counts\" id=\"" << id << "\">";
  for (const auto& [verdict, n] : v.counts)
    s << "<span class=\"count\" style=\"border-color:" << verdict_colour(verdict)
      << ";color:" << verdict_colour(verdict) << "\"><b>" << n << "</b> " << e(verdict)
      << "</span> ";
  if (v.counts.empty()) s << "<span class=\"count\">no deciding metric measured</span> ";
  if (v.informational > 0)
    s << "<span class=\"count\">+" << v.informational << " informational</span> ";
  if (v.unjudged > 0)
    s << "<span class=\"count\" style=\"border-color:#cf222e;color:#cf222e\"><b>" << v.unjudged
      << "</b> not judged</span>";
  s << "</p>";
  return s.str();
}

std::string finding_anchor(const json& f) { return "finding-" + e(json_text(f, "id")); }

// The metrics not at parity, each with its cause (a link to the finding) or what to do.
std::string open_metrics(const json& d, const verdict_summary& v) {
  std::ostringstream s;
  std::size_t deciding = 0;
  for (const auto& l : v.metrics) deciding += l.decides;
  if (deciding == 0) return "";
  if (v.open == 0)
    return "<p class=\"all-parity\" id=\"open\">Every one of the " + std::to_string(deciding) +
           " deciding metrics is at parity or better.</p>";
  s << "<h2 id=\"open\">Not at parity: " << v.open << " of " << deciding
    << " deciding metrics</h2><table class=\"open\"><thead><tr><th>metric</th><th>verdict</th>"
       "<th>ratio "
    << e(ci_label(d)) << "</th><th>cause, or what to do</th></tr></thead><tbody>";
  for (std::size_t i = 0; i < v.open; ++i) {
    const auto& l = v.metrics[i];
    const json& m = *l.metric;
    s << "<tr><td><code>" << e(l.name)
      << "</code></td><td style=\"color:" << verdict_colour(l.verdict) << "\"><b>" << e(l.verdict)
      << "</b></td><td class=\"num\">" << num(m["ratio"].get<double>(), 4) << " "
      << interval_text(m) << "</td><td>";
    if (const json* f = finding_explaining(d, l.name))
      s << "<a href=\"#" << finding_anchor(*f) << "\">" << e(json_text(*f, "id")) << "</a>";
    else
      s << e(l.fix);
    s << "</td></tr>";
  }
  s << "</tbody></table>";
  return s.str();
}

std::string finding_html(const json& a) {
  std::string explains;
  for (const auto& m : a.value("explains", json::array()))
    explains += (explains.empty() ? "" : ", ") + e(m.get<std::string>());
  const std::string sides = "native: <code>" + e(json_text(a, "native")) +
                            "</code><br>container: <code>" + e(json_text(a, "container")) +
                            "</code>";
  // An info list that explains nothing is its title; its values fold away.
  const bool fold = json_text(a, "severity") == "info" && explains.empty();
  return "<div class=\"finding " + e(json_text(a, "severity")) + "\" id=\"" + finding_anchor(a) +
         "\"><b>[" + e(json_text(a, "severity")) + "] " + e(json_text(a, "title")) +
         "</b><br>fix: " + e(json_text(a, "fix")) +
         (explains.empty() ? "" : "<br>explains: " + explains) +
         (fold ? "<details><summary>both sides' values</summary>" + sides + "</details>"
               : "<br>" + sides) +
         "</div>";
}

// The reason and the metrics not judged: a page that shows only the judged metrics would
// hide what kept the verdict from passing.
std::string gaps(const json& d, const std::string& id, const std::string& shown = "") {
  std::ostringstream s;
  const std::string why = verdict_reason_of(d);
  if (!why.empty() && why != shown) s << "<p class=\"reason\"><b>Why:</b> " << e(why) << "</p>";
  const auto missing = unjudged_metrics(d);
  if (missing.empty()) return s.str();
  s << "<h2 id=\"" << id << "\">Not judged: " << missing.size()
    << " metric(s) measured on one side only</h2><ul class=\"not-judged\">";
  for (const auto& u : missing)
    s << "<li" << (u.blocking ? " class=\"blocking\"" : "") << "><code>" << e(u.name)
      << "</code>: " << e(u.text) << (u.blocking ? " &#8212; forbids a pass" : "") << "</li>";
  s << "</ul>";
  return s.str();
}

// The decision: counts, the reason, what was not judged, the open metrics, the findings
// that explain them, the advice.
std::string decision(const json& d, const std::string& shown_error) {
  const auto v = summarise(d);
  std::ostringstream s;
  s << counts_html(v) << gaps(d, "not-judged", shown_error) << open_metrics(d, v);
  if (const auto leading = findings_of(d, true); !leading.empty()) {
    s << "<h2 id=\"what-to-do\">What is wrong and what to do</h2>";
    for (const json* a : leading) s << finding_html(*a);
  }
  if (!v.advice.empty()) s << "<p class=\"advice\"><b>Advice:</b> " << e(v.advice) << "</p>";
  return s.str();
}

std::string metric_table(const json& d) {
  const auto n = side_names(d);
  std::ostringstream s;
  s << "<table><thead><tr><th>metric</th><th>verdict</th><th>class</th><th>" << n.a << "</th><th>"
    << n.b << "</th><th>ratio</th><th>" << e(ci_label(d)) << "</th></tr></thead><tbody>";
  for (const auto& l : summarise(d).metrics) {
    const json& m = *l.metric;
    const std::string c = json_text(m, "counter");
    s << "<tr><td><code>" << e(l.name)
      << "</code></td><td style=\"color:" << verdict_colour(l.verdict) << "\">" << e(l.verdict)
      << (l.decides ? "" : " (informational)") << "</td><td>" << e(json_text(m, "class"))
      << "</td><td>" << e(format_value(c, m[n.a]["median"].get<double>()))
      << " <small>n=" << m[n.a]["n"].get<int>() << "</small></td><td>"
      << e(format_value(c, m[n.b]["median"].get<double>()))
      << " <small>n=" << m[n.b]["n"].get<int>() << "</small></td><td>"
      << num(m["ratio"].get<double>(), 4) << "</td><td>" << interval_text(m) << "</td></tr>";
  }
  s << "</tbody></table>";
  return s.str();
}

// A document's metrics grouped by class, in class order.
std::map<std::string, std::vector<const json*>> by_class(const json& d) {
  std::map<std::string, std::vector<const json*>> groups;
  for (const auto& m : d["metrics"]) groups[json_text(m, "class")].push_back(&m);
  return groups;
}

std::string class_charts(const json& d) {
  const auto n = side_names(d);
  std::ostringstream s;
  s << "<p class=\"key\">Key: dot, the " << n.b << "'s performance relative to the " << n.a
    << " (1 = equal; right is better, left is worse, for rates and times alike); bar, its "
    << e(ci_label(d))
    << "; <span style=\"background:#dafbe1\">green band</span>, the "
       "equivalence margin; colour, the verdict.</p>";
  for (const auto& [cls, ms] : by_class(d))
    s << "<figure><figcaption>" << e(cls) << " (margin +/-"
      << num(100 * ms.front()->value("margin", 0.02)) << "%)</figcaption>"
      << forest_plot(ms, cls, n.a, n.b) << "</figure>";
  return s.str();
}

const char* style =
    "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1f2328}"
    "h1{font-size:22px;margin-bottom:4px}h2{font-size:18px;margin-top:28px;border-bottom:1px "
    "solid #d0d7de}h3{font-size:15px}.badge{color:#fff;border-radius:6px;padding:2px 10px;"
    "font-size:16px}.subtitle{color:#57606a;margin-top:0}"
    ".count{display:inline-block;border:2px solid #57606a;border-radius:12px;padding:0 10px;"
    "margin-right:6px;font-size:15px}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:3px 6px;"
    "text-align:left;vertical-align:top}td.num{white-space:nowrap}tr.differs td{background:#fff8c5}"
    "tr.group th{background:#f6f8fa}table.env{table-layout:fixed}table.env td{overflow-wrap:"
    "anywhere}table.env td:first-child{width:24%}.finding code{overflow-wrap:anywhere}"
    "svg text{font:12px system-ui,sans-serif;fill:#1f2328}svg text.tick,svg "
    "text.small{font-size:10px}svg text.axis{font-size:11px;fill:#57606a}"
    ".grid{display:flex;flex-wrap:wrap;gap:6px}figure{margin:10px 0}figcaption{font-weight:600}"
    ".key{color:#57606a;font-size:13px}.finding{border-left:4px solid #9a6700;padding:4px 10px;"
    "margin:8px 0}.finding.error{border-color:#cf222e}.finding.info{border-color:#57606a}"
    ".reason{border-left:4px solid #cf222e;padding:4px 10px}li.blocking{color:#cf222e}"
    ".advice{border-left:4px solid #0969da;padding:4px 10px}details{margin:10px 0}"
    "summary{cursor:pointer;font-weight:600}";

std::string head(const std::string& verdict) {
  return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gpuparity: " +
         e(verdict) + "</title><style>" + style + "</style></head><body>";
}

std::string comparison_page(const json& doc) {
  std::ostringstream h;
  h << head(json_text(doc, "verdict")) << "<h1>gpuparity compare "
    << badge(json_text(doc, "verdict")) << "</h1><p class=\"subtitle\">Candidate <code>"
    << e(json_text(doc["candidate"], "source")) << "</code> against baseline <code>"
    << e(json_text(doc["baseline"], "source")) << "</code>, "
    << e(json_text(doc["candidate"], "gpu_name")) << ".</p>" << decision(doc, "");
  h << "<h2 id=\"comparability\">Comparability</h2><ul>";
  for (const auto& c : doc["comparability"])
    h << "<li><b>" << e(json_text(c, "severity")) << "</b> " << e(json_text(c, "check")) << ": "
      << e(json_text(c, "message")) << " (baseline <code>" << e(json_text(c, "baseline"))
      << "</code>, candidate <code>" << e(json_text(c, "candidate")) << "</code>)</li>";
  h << "</ul>";
  if (!doc["metrics"].empty())
    h << "<h2 id=\"verdicts\">Candidate vs baseline, per metric class</h2>" << class_charts(doc)
      << "<h2>All metrics</h2>" << metric_table(doc);
  h << "</body></html>\n";
  return h.str();
}

}  // namespace

std::string html_page(const json& doc) {
  if (is_comparison(doc)) return comparison_page(doc);
  std::ostringstream h;
  const std::string verdict = json_text(doc, "verdict"), error = json_text(doc, "error");
  const json& n = doc["sides"]["native"];
  h << head(verdict) << "<h1>gpuparity run " << badge(verdict) << "</h1><p class=\"subtitle\">"
    << e(json_text(doc, "mode")) << " on " << e(json_text(n, "gpu_name", "an unknown GPU"))
    << " (driver " << e(json_text(n, "env_nvml_driver_version", "?")) << ")";
  if (json_text(doc["runtime"], "kind") != "none")
    h << ", " << e(runtime_text(doc["runtime"])) << ", image <code>"
      << e(json_text(doc["runtime"], "image")) << "</code>";
  if (doc.contains("timings"))
    h << "; " << num(doc["timings"].value("wall_seconds", 0.0), 0) << " s, " << doc["trials"].size()
      << " trials (warm-ups included), started " << e(json_text(doc, "started_at"));
  h << ".</p>";
  if (!error.empty()) h << "<p class=\"reason\"><b>Error:</b> " << e(error) << "</p>";
  h << decision(doc, error);
  if (!doc["metrics"].empty()) {
    h << "<h2 id=\"verdicts\">Container vs native, per metric class</h2>" << class_charts(doc);
    h << "<h2 id=\"trials\">Trial by trial</h2><p>Each measured trial's performance relative to "
         "the native median, in the order run. A trend across the run is drift.</p>"
      << scatter_key();
    for (const auto& [cls, ms] : by_class(doc)) {
      h << "<h3>" << e(cls) << "</h3><div class=\"grid\">";
      for (const json* m : ms) h << scatter(*m, doc["trials"]);
      h << "</div>";
    }
  }
  h << "<h2 id=\"telemetry\">GPU telemetry</h2>";
  if (doc.contains("telemetry") && doc["telemetry"].value("available", false))
    h << "<p class=\"key\">Key: <span style=\"color:#0969da\">&#9472;</span> SM clock (dashed: "
         "its maximum); <span style=\"color:#8250df\">&#9472;</span> power (dashed: the cap); "
         "shaded: <span style=\"background:#e7f0fb\">native</span> and <span "
         "style=\"background:#fff1e0\">container</span> trials; <span style=\"color:#9a6700\">"
         "&#9644;</span> at the power cap (normal under a tensor-core load: it is why their "
         "rates vary between trials); <span style=\"color:#cf222e\">&#9644;</span> and a red "
         "outline: a hardware, thermal or power-brake slowdown, which can move a result.</p>"
      << telemetry_chart(doc["telemetry"], doc["trials"]);
  else
    h << "<p>Telemetry unavailable"
      << (doc.contains("telemetry") ? ": " + e(json_text(doc["telemetry"], "reason"))
                                    : std::string())
      << ".</p>";
  h << "<h2 id=\"audit\">Audit</h2>";
  const auto rest = findings_of(doc, false);
  if (rest.empty())
    h << (doc["audit"].empty() ? "<p>No findings.</p>"
                               : "<p>No findings beyond those at the top.</p>");
  for (const json* a : rest) h << finding_html(*a);
  if (doc.contains("baseline_comparison") && doc["baseline_comparison"].is_object()) {
    const json& b = doc["baseline_comparison"];
    h << "<h2 id=\"baseline\">Against the baseline: " << badge(json_text(b, "verdict"))
      << "</h2><p>Baseline <code>" << e(json_text(b["baseline"], "source")) << "</code>.</p>"
      << counts_html(summarise(b), "baseline-counts") << gaps(b, "baseline-not-judged")
      << class_charts(b) << metric_table(b);
  }
  if (!doc["metrics"].empty()) h << "<h2>All metrics</h2>" << metric_table(doc);
  h << "<h2 id=\"environment\">Environment</h2>"
    << environment_html(doc["sides"]["native"], doc["sides"]["container"]) << "</body></html>\n";
  return h.str();
}

}  // namespace gpuparity::harness
