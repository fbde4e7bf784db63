// `--markdown`: a pull-request comment. Like every rendering it leads with the decision: the
// verdict and the counts per verdict, the metrics not at parity with their cause or what to
// do, the findings that explain them; then one table, worst verdicts first.
#include <sstream>

#include "findings_view.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "verdict_view.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

// The reason (unless `shown` already) and the metrics not judged, under a verdict's heading.
void markdown_gaps(std::ostringstream& md, const json& doc, const std::string& shown = "") {
  const std::string why = verdict_reason_of(doc);
  if (!why.empty() && why != shown) md << "**Why:** " << why << "\n\n";
  const auto missing = unjudged_metrics(doc);
  if (missing.empty()) return;
  md << "**Not judged** (" << missing.size() << " metric(s) measured on one side only):\n\n";
  for (const auto& u : missing)
    md << "- `" << u.name << "`: " << u.text << (u.blocking ? " — forbids a pass" : "") << "\n";
  md << "\n";
}

void table(std::ostringstream& md, const json& d, const verdict_summary& v) {
  const bool cmp = is_comparison(d);
  const char* a = cmp ? "baseline" : "native";
  const char* b = cmp ? "candidate" : "container";
  md << "| metric | " << a << " | " << b << " | ratio | " << ci_label(d) << " | verdict |\n"
     << "| --- | ---: | ---: | ---: | --- | --- |\n";
  for (const auto& l : v.metrics) {
    const json& m = *l.metric;
    const std::string counter = json_text(m, "counter");
    std::string verdict = l.verdict;
    if (l.open && verdict_rank(verdict) <= 1) verdict = "**" + verdict + "**";
    if (!l.decides) verdict += " (informational)";
    md << "| `" << l.name << "` | " << format_value(counter, m[a]["median"].get<double>()) << " | "
       << format_value(counter, m[b]["median"].get<double>()) << " | "
       << fixed_text(m["ratio"].get<double>(), 4) << " | " << interval_text(m) << " | " << verdict
       << " |\n";
  }
}

// The finding's id (its title and fix follow under "What is wrong and what to do"), or what
// to do when no finding explains the metric.
std::string cause_or_fix(const json& d, const metric_line& l) {
  if (const json* f = finding_explaining(d, l.name))
    return "cause: `" + json_text(*f, "id") + "` (below)";
  return l.fix;
}

// The counts, what was not judged, the metrics not at parity with their cause, the advice.
void decision(std::ostringstream& md, const json& d, const verdict_summary& v,
              const std::string& shown) {
  md << "**Metrics:** " << counts_text(v) << "\n\n";
  markdown_gaps(md, d, shown);
  if (v.open > 0) {
    md << "**Not at parity** (" << v.open << "):\n\n";
    for (std::size_t i = 0; i < v.open; ++i) {
      const auto& l = v.metrics[i];
      md << "- `" << l.name << "`: " << l.verdict << ", ratio "
         << fixed_text((*l.metric)["ratio"].get<double>(), 4) << " " << interval_text(*l.metric)
         << " — " << cause_or_fix(d, l) << "\n";
    }
    md << "\n";
  }
  if (!v.advice.empty()) md << "**Advice:** " << v.advice << "\n\n";
}

void findings(std::ostringstream& md, const std::vector<const json*>& list) {
  for (const json* a : list) {
    md << "- **" << json_text(*a, "severity") << "** " << json_text(*a, "title")
       << ". Fix: " << json_text(*a, "fix");
    // The info list is its title: both sides' values stay in the report and the HTML.
    if (json_text(*a, "severity") == "info" && a->value("explains", json::array()).empty())
      md << "\n";
    else
      md << " (native: `" << json_text(*a, "native") << "`, container: `"
         << json_text(*a, "container") << "`)\n";
  }
}

}  // namespace

std::string markdown_summary(const json& doc) {
  std::ostringstream md;
  const auto v = summarise(doc);
  if (is_comparison(doc)) {
    md << "## gpuparity compare: **" << json_text(doc, "verdict") << "**\n\n"
       << "Candidate `" << json_text(doc["candidate"], "source") << "` against baseline `"
       << json_text(doc["baseline"], "source") << "` on " << json_text(doc["candidate"], "gpu_name")
       << ".\n\n";
    decision(md, doc, v, "");
    for (const auto& c : doc["comparability"])
      md << "- **" << json_text(c, "severity") << "** " << json_text(c, "check") << ": "
         << json_text(c, "message") << " (baseline `" << json_text(c, "baseline")
         << "`, candidate `" << json_text(c, "candidate") << "`)\n";
    md << "\n";
    table(md, doc, v);
    return md.str();
  }
  const json& n = doc["sides"]["native"];
  const std::string error = json_text(doc, "error");
  md << "## gpuparity run: **" << json_text(doc, "verdict") << "**\n\n";
  if (!error.empty()) md << "**Error:** " << error << "\n\n";
  decision(md, doc, v, error);
  if (const auto leading = findings_of(doc, true); !leading.empty()) {
    md << "### What is wrong and what to do\n\n";
    findings(md, leading);
    md << "\n";
  }
  md << json_text(doc, "mode") << " on " << json_text(n, "gpu_name", "an unknown GPU")
     << " (driver " << json_text(n, "env_nvml_driver_version", "?") << ")";
  if (json_text(doc["runtime"], "kind") != "none")
    md << ", " << runtime_text(doc["runtime"]) << ", image `" << json_text(doc["runtime"], "image")
       << "`";
  if (doc.contains("timings"))
    md << ", " << fixed_text(doc["timings"].value("wall_seconds", 0.0), 0) << " s";
  md << ".\n\n";
  if (!doc["metrics"].empty()) table(md, doc, v);
  if (const auto rest = findings_of(doc, false); !rest.empty()) {
    md << "\n### Audit\n\n";
    findings(md, rest);
  }
  if (doc.contains("baseline_comparison") && doc["baseline_comparison"].is_object()) {
    const json& b = doc["baseline_comparison"];
    const auto bv = summarise(b);
    md << "\n### Against the baseline `" << json_text(b["baseline"], "source") << "`: **"
       << json_text(b, "verdict") << "**\n\n";
    decision(md, b, bv, "");
    table(md, b, bv);
  }
  return md.str();
}

}  // namespace gpuparity::harness
