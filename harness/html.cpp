// `gpuparity report --html`: one self-contained page (inline CSS and SVG, no script, no
// network) for a run report or a comparison.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "findings_view.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string num(double v, int digits = 1) { return fixed_text(v, digits); }

std::string e(const std::string& s) { return xml_escape(s); }

const char* colour(const std::string& verdict) {
  if (verdict == "parity" || verdict == "no_regression") return "#1a7f37";
  if (verdict == "better" || verdict == "improved") return "#0969da";
  if (verdict == "degraded" || verdict == "regression" || verdict == "error") return "#cf222e";
  return "#9a6700";  // inconclusive
}

// Ratio with its interval per metric, one row each, against the class's margin band.
std::string forest_plot(const std::vector<const json*>& ms, const std::string& cls) {
  const double margin = ms.front()->value("margin", 0.02);
  double lo = 1.0 - margin, hi = 1.0 + margin;
  for (const json* m : ms) {
    const double r = (*m)["ratio"].get<double>();
    lo = std::min(lo, (*m)["ci_low"].is_number() ? (*m)["ci_low"].get<double>() : r);
    hi = std::max(hi, (*m)["ci_high"].is_number() ? (*m)["ci_high"].get<double>() : r);
  }
  const double pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  const int label_w = 330, plot_w = 520, row_h = 22, top = 26;
  const int h = top + row_h * static_cast<int>(ms.size()) + 10;
  auto x = [&](double v) { return label_w + (v - lo) / (hi - lo) * plot_w; };
  std::ostringstream s;
  s << "<svg class=\"forest\" data-class=\"" << e(cls) << "\" role=\"img\" width=\""
    << label_w + plot_w + 150 << "\" height=\"" << h << "\" viewBox=\"0 0 "
    << label_w + plot_w + 150 << " " << h << "\">";
  s << "<rect x=\"" << x(1.0 - margin) << "\" y=\"" << top - 6 << "\" width=\""
    << x(1.0 + margin) - x(1.0 - margin) << "\" height=\"" << h - top
    << "\" fill=\"#dafbe1\"><title>equivalence margin +/-" << num(100 * margin)
    << "%</title></rect>";
  s << "<line x1=\"" << x(1.0) << "\" x2=\"" << x(1.0) << "\" y1=\"" << top - 6 << "\" y2=\""
    << h - 4 << "\" stroke=\"#57606a\" stroke-dasharray=\"3 3\"/>";
  // Ticks: the margin's ends and 1 first, then the data's range where there is room.
  std::vector<double> placed;
  for (double t : {1.0, 1.0 - margin, 1.0 + margin, lo + pad, hi - pad}) {
    if (std::any_of(placed.begin(), placed.end(),
                    [&](double p) { return std::fabs(x(p) - x(t)) < 36.0; }))
      continue;
    placed.push_back(t);
    s << "<text x=\"" << x(t) << "\" y=\"14\" text-anchor=\"middle\" class=\"tick\">" << num(t, 3)
      << "</text>";
  }
  int row = 0;
  for (const json* m : ms) {
    const double y = top + row_h * row++ + row_h / 2.0;
    const std::string v = json_text(*m, "verdict");
    s << "<text x=\"" << label_w - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\">"
      << e(json_text(*m, "name")) << "</text>";
    if ((*m)["ci_low"].is_number())
      s << "<line x1=\"" << x((*m)["ci_low"].get<double>()) << "\" x2=\""
        << x((*m)["ci_high"].get<double>()) << "\" y1=\"" << y << "\" y2=\"" << y << "\" stroke=\""
        << colour(v) << "\" stroke-width=\"3\"/>";
    s << "<circle cx=\"" << x((*m)["ratio"].get<double>()) << "\" cy=\"" << y
      << "\" r=\"4.5\" fill=\"" << colour(v) << "\"><title>" << e(json_text(*m, "name"))
      << ": ratio " << num((*m)["ratio"].get<double>(), 4) << "</title></circle>";
    s << "<text x=\"" << label_w + plot_w + 10 << "\" y=\"" << y + 4 << "\" fill=\"" << colour(v)
      << "\">" << e(v) << (m->value("decides", true) ? "" : " (info)") << "</text>";
  }
  s << "</svg>";
  return s.str();
}

// Every measured trial's value over the native median, in the order the trials ran.
std::string scatter(const json& m, const json& trials) {
  const std::string name = json_text(m, "name");
  const double ref = m["native"]["median"].get<double>();
  struct point {
    int order;
    double y;
    bool container, throttled;
  };
  std::vector<point> pts;
  int order = 0;
  for (const auto& t : trials) {
    ++order;
    if (t.value("warmup", false) || !t["error"].is_null()) continue;
    for (const auto& p : t["programs"])
      if (p["metrics"].contains(name) && p["metrics"][name].is_number())
        pts.push_back({order, p["metrics"][name].get<double>() / ref,
                       json_text(t, "side") == "container", t.value("throttled", false)});
  }
  if (pts.empty()) return "";
  double lo = 1.0, hi = 1.0;
  for (const auto& p : pts) {
    lo = std::min(lo, p.y);
    hi = std::max(hi, p.y);
  }
  const double pad = std::max((hi - lo) * 0.1, 0.002);
  lo -= pad;
  hi += pad;
  const int w = 270, h = 120, l = 44, r = 8, t = 18, b = 14;
  auto X = [&](int o) { return l + (o - 1.0) / std::max(1, order - 1) * (w - l - r); };
  auto Y = [&](double v) { return t + (hi - v) / (hi - lo) * (h - t - b); };
  std::ostringstream s;
  s << "<svg class=\"scatter\" role=\"img\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\"><text x=\"4\" y=\"12\" class=\"small\">"
    << e(name) << "</text>";
  s << "<line x1=\"" << l << "\" x2=\"" << w - r << "\" y1=\"" << Y(1.0) << "\" y2=\"" << Y(1.0)
    << "\" stroke=\"#8c959f\" stroke-dasharray=\"2 2\"/>";
  s << "<text x=\"" << l - 3 << "\" y=\"" << Y(hi - pad) + 4 << "\" text-anchor=\"end\" "
    << "class=\"tick\">" << num(hi - pad, 3) << "</text><text x=\"" << l - 3 << "\" y=\""
    << Y(lo + pad) + 4 << "\" text-anchor=\"end\" class=\"tick\">" << num(lo + pad, 3) << "</text>";
  for (const auto& p : pts) {
    const char* fill = p.container ? "#fb8500" : "#0969da";
    if (p.container)
      s << "<rect x=\"" << X(p.order) - 3 << "\" y=\"" << Y(p.y) - 3
        << "\" width=\"6\" height=\"6\" fill=\"" << fill << "\"";
    else
      s << "<circle cx=\"" << X(p.order) << "\" cy=\"" << Y(p.y) << "\" r=\"3\" fill=\"" << fill
        << "\"";
    s << (p.throttled ? " stroke=\"#cf222e\" stroke-width=\"1.5\"" : "") << "><title>"
      << (p.container ? "container" : "native") << " trial " << p.order << ": " << num(p.y, 4)
      << (p.throttled ? " (throttled)" : "") << "</title>"
      << (p.container ? "</rect>" : "</circle>");
  }
  s << "</svg>";
  return s.str();
}

// SM clock and power over the run, with the trials' windows behind them.
std::string telemetry_chart(const json& tel, const json& trials) {
  const auto& rows = tel["samples"];
  if (rows.empty()) return "<p>No telemetry samples.</p>";
  const double t_end = rows.back()[0].get<double>();
  double max_clock = tel["device"].value("max_sm_clock_mhz", 0.0),
         max_power = tel["device"].value("power_limit_w", 0.0);
  for (const auto& r : rows) {
    max_clock = std::max(max_clock, r[1].get<double>());
    max_power = std::max(max_power, r[4].get<double>());
  }
  const int w = 1000, h = 260, l = 56, rr = 56, t = 20, b = 28;
  auto X = [&](double v) { return l + v / std::max(t_end, 1e-9) * (w - l - rr); };
  auto Yc = [&](double v) { return t + (1.0 - v / std::max(max_clock, 1.0)) * (h - t - b); };
  auto Yp = [&](double v) { return t + (1.0 - v / std::max(max_power, 1.0)) * (h - t - b); };
  std::ostringstream s;
  s << "<svg id=\"telemetry-chart\" role=\"img\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\">";
  for (const auto& tr : trials) {
    if (!tr.contains("t_start_seconds")) continue;
    const double a = tr["t_start_seconds"].get<double>(), z = tr["t_end_seconds"].get<double>();
    const bool c = json_text(tr, "side") == "container", th = tr.value("throttled", false);
    s << "<rect x=\"" << X(a) << "\" y=\"" << t << "\" width=\"" << std::max(1.0, X(z) - X(a))
      << "\" height=\"" << h - t - b << "\" fill=\"" << (c ? "#fff1e0" : "#e7f0fb") << "\""
      << (th ? " stroke=\"#cf222e\" stroke-width=\"1\"" : "") << "><title>"
      << (c ? "container" : "native") << " trial " << tr.value("index", 0)
      << (th ? ": throttled (" : "") << (th ? e(tr["throttle_reasons"].dump()) + ")" : "")
      << "</title></rect>";
  }
  std::ostringstream clock, power;
  for (const auto& r : rows) {
    clock << X(r[0].get<double>()) << "," << Yc(r[1].get<double>()) << " ";
    power << X(r[0].get<double>()) << "," << Yp(r[4].get<double>()) << " ";
  }
  s << "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.2\" points=\"" << clock.str()
    << "\"/><polyline fill=\"none\" stroke=\"#cf222e\" stroke-width=\"1\" points=\"" << power.str()
    << "\"/>";
  s << "<text x=\"4\" y=\"14\" fill=\"#0969da\">SM clock (MHz, max " << num(max_clock, 0)
    << ")</text><text x=\"" << w - 4
    << "\" y=\"14\" text-anchor=\"end\" fill=\"#cf222e\">power (W, "
    << "scale " << num(max_power, 0) << ")</text><text x=\"" << w / 2 << "\" y=\"" << h - 6
    << "\" text-anchor=\"middle\" class=\"tick\">seconds since the run started (0 - "
    << num(t_end, 0) << "); shaded: native (blue) and container (orange) trials, red outline: "
    << "throttled</text></svg>";
  return s.str();
}

std::string metric_table(const json& d, const char* a, const char* b) {
  std::ostringstream s;
  s << "<table><thead><tr><th>metric</th><th>class</th><th>" << a << "</th><th>" << b
    << "</th><th>ratio</th><th>" << ci_label(d) << "</th><th>verdict</th></tr></thead><tbody>";
  for (const auto& m : d["metrics"]) {
    const std::string c = json_text(m, "counter"), v = json_text(m, "verdict");
    s << "<tr><td><code>" << e(json_text(m, "name")) << "</code></td><td>"
      << e(json_text(m, "class")) << "</td><td>" << e(format_value(c, m[a]["median"].get<double>()))
      << " <small>n=" << m[a]["n"].get<int>() << "</small></td><td>"
      << e(format_value(c, m[b]["median"].get<double>())) << " <small>n=" << m[b]["n"].get<int>()
      << "</small></td><td>" << num(m["ratio"].get<double>(), 4) << "</td><td>" << interval_text(m)
      << "</td><td style=\"color:" << colour(v) << "\">" << e(v)
      << (m.value("decides", true) ? "" : " (informational)") << "</td></tr>";
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
  std::ostringstream s;
  for (const auto& [cls, ms] : by_class(d))
    s << "<figure><figcaption>" << e(cls) << " (margin +/-"
      << num(100 * ms.front()->value("margin", 0.02)) << "%)</figcaption>" << forest_plot(ms, cls)
      << "</figure>";
  return s.str();
}

// The reason and the metrics not judged, near the top: a page that shows only the judged
// metrics would hide what kept the verdict from passing.
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

std::string finding_html(const json& a) {
  std::string explains;
  for (const auto& m : a.value("explains", json::array()))
    explains += (explains.empty() ? "" : ", ") + e(m.get<std::string>());
  return "<div class=\"finding " + e(json_text(a, "severity")) + "\"><b>[" +
         e(json_text(a, "severity")) + "] " + e(json_text(a, "title")) + "</b><br>native: <code>" +
         e(json_text(a, "native")) + "</code><br>container: <code>" + e(json_text(a, "container")) +
         "</code><br>fix: " + e(json_text(a, "fix")) +
         (explains.empty() ? "" : "<br>explains: " + explains) + "</div>";
}

const char* style =
    "body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1100px;color:#1f2328}"
    "h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de}"
    ".badge{color:#fff;border-radius:6px;padding:2px 10px;font-size:16px}"
    "table{border-collapse:collapse;width:100%}td,th{border:1px solid #d0d7de;padding:3px 6px;"
    "text-align:left;vertical-align:top}tr.differs td{background:#fff8c5}"
    "svg text{font:12px system-ui,sans-serif;fill:#1f2328}svg text.tick,svg "
    "text.small{font-size:10px}"
    ".grid{display:flex;flex-wrap:wrap;gap:6px}figure{margin:10px 0}figcaption{font-weight:600}"
    ".finding{border-left:4px solid #9a6700;padding:4px 10px;margin:8px 0}"
    ".finding.error{border-color:#cf222e}.finding.info{border-color:#57606a}"
    ".reason{border-left:4px solid #cf222e;padding:4px 10px}li.blocking{color:#cf222e}";

}  // namespace

std::string html_page(const json& doc) {
  std::ostringstream h;
  const std::string verdict = json_text(doc, "verdict");
  h << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>gpuparity: "
    << e(verdict) << "</title><style>" << style << "</style></head><body>";
  if (is_comparison(doc)) {
    h << "<h1>gpuparity compare <span class=\"badge\" style=\"background:" << colour(verdict)
      << "\">" << e(verdict) << "</span></h1><p>Candidate <code>"
      << e(json_text(doc["candidate"], "source")) << "</code> against baseline <code>"
      << e(json_text(doc["baseline"], "source")) << "</code>, "
      << e(json_text(doc["candidate"], "gpu_name")) << ".</p>" << gaps(doc, "not-judged");
    h << "<h2 id=\"verdicts\">Candidate vs baseline, per metric class</h2>" << class_charts(doc);
    h << "<h2>Comparability</h2><ul>";
    for (const auto& c : doc["comparability"])
      h << "<li><b>" << e(json_text(c, "severity")) << "</b> " << e(json_text(c, "check")) << ": "
        << e(json_text(c, "message")) << " (baseline <code>" << e(json_text(c, "baseline"))
        << "</code>, candidate <code>" << e(json_text(c, "candidate")) << "</code>)</li>";
    h << "</ul><h2>All metrics</h2>" << metric_table(doc, "baseline", "candidate")
      << "</body></html>\n";
    return h.str();
  }
  const json& n = doc["sides"]["native"];
  const json& c = doc["sides"]["container"];
  h << "<h1>gpuparity run <span class=\"badge\" style=\"background:" << colour(verdict) << "\">"
    << e(verdict) << "</span></h1><p>" << e(json_text(doc, "mode")) << " on "
    << e(json_text(n, "gpu_name", "an unknown GPU")) << " (driver "
    << e(json_text(n, "env_nvml_driver_version", "?")) << ")";
  if (json_text(doc["runtime"], "kind") != "none")
    h << ", " << e(json_text(doc["runtime"], "kind")) << " "
      << e(json_text(doc["runtime"], "version")) << ", image <code>"
      << e(json_text(doc["runtime"], "image")) << "</code>";
  if (doc.contains("timings"))
    h << "; " << num(doc["timings"].value("wall_seconds", 0.0), 0) << " s, " << doc["trials"].size()
      << " trials (warm-ups included), started " << e(json_text(doc, "started_at"));
  h << ".</p>";
  if (!json_text(doc, "error").empty())
    h << "<p><b>Error:</b> " << e(json_text(doc, "error")) << "</p>";
  h << gaps(doc, "not-judged", json_text(doc, "error"));
  if (const auto leading = findings_of(doc, true); !leading.empty()) {
    h << "<h2 id=\"what-to-do\">What is wrong and what to do</h2>";
    for (const json* a : leading) h << finding_html(*a);
  }
  if (!doc["metrics"].empty()) {
    h << "<h2 id=\"verdicts\">Container vs native, per metric class</h2><p>Dots: the container's "
         "performance relative to native (1 = equal, left = worse); bars: "
      << ci_label(doc) << "s; green band: the equivalence margin.</p>" << class_charts(doc);
    h << "<h2 id=\"trials\">Trial by trial</h2><p>Each measured trial over the native median, "
         "in the order run: native <span style=\"color:#0969da\">&#9679;</span>, container "
         "<span style=\"color:#fb8500\">&#9632;</span>; red outline: the GPU reported "
         "throttling during that trial. A trend across the run is drift.</p>";
    for (const auto& [cls, ms] : by_class(doc)) {
      h << "<h3>" << e(cls) << "</h3><div class=\"grid\">";
      for (const json* m : ms) h << scatter(*m, doc["trials"]);
      h << "</div>";
    }
  }
  h << "<h2 id=\"telemetry\">GPU telemetry</h2>";
  if (doc.contains("telemetry") && doc["telemetry"].value("available", false))
    h << telemetry_chart(doc["telemetry"], doc["trials"]);
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
    h << "<h2 id=\"baseline\">Against the baseline: <span style=\"color:"
      << colour(json_text(b, "verdict")) << "\">" << e(json_text(b, "verdict"))
      << "</span></h2><p>Baseline <code>" << e(json_text(b["baseline"], "source")) << "</code>.</p>"
      << gaps(b, "baseline-not-judged") << class_charts(b)
      << metric_table(b, "baseline", "candidate");
  }
  if (!doc["metrics"].empty())
    h << "<h2>All metrics</h2>" << metric_table(doc, "native", "container");
  h << "<h2 id=\"environment\">Environment</h2><table><thead><tr><th>fact</th><th>native</th>"
       "<th>container</th></tr></thead><tbody>";
  std::set<std::string> keys;
  for (const auto& side : {n, c})
    if (side.is_object())
      for (const auto& [k, v] : side.items()) keys.insert(k);
  for (const auto& k : keys) {
    const std::string a = json_text(n, k.c_str()), b = json_text(c, k.c_str());
    h << "<tr" << (a != b ? " class=\"differs\"" : "") << "><td>" << e(k) << "</td><td>" << e(a)
      << "</td><td>" << e(b) << "</td></tr>";
  }
  h << "</tbody></table></body></html>\n";
  return h.str();
}

}  // namespace gpuparity::harness
