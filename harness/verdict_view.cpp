#include "verdict_view.hpp"

#include <algorithm>
#include <map>

#include "findings_view.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "runtime.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

int verdict_rank(const std::string& v) {
  if (v == "degraded" || v == "regression") return 0;
  if (v == "error") return 1;
  if (v == "inconclusive") return 2;
  if (v == "better" || v == "improved") return 3;
  if (v == "parity" || v == "no_regression") return 4;
  return 2;  // an unknown verdict is not a pass
}

bool metric_is_open(const json& m) {
  return m.value("decides", true) && verdict_rank(json_text(m, "verdict")) <= 2;
}

namespace {

// What to do about a metric that no finding explains, by its verdict.
std::string what_to_do(const json& m) {
  const std::string v = json_text(m, "verdict");
  if (v == "inconclusive") {
    if (m.contains("trials_needed") && m["trials_needed"].is_number())
      return "about " + std::to_string(m["trials_needed"].get<int>()) +
             " trials per side would likely settle it";
    if (m.contains("trials_needed"))
      return "its estimate lies outside the margin: more trials "
             "will not make it parity";
    return "run more trials (a larger --budget)";
  }
  if (v == "degraded" || v == "regression")
    return "no audit finding explains it: compare the two sides' environments, then rerun";
  if (v == "error") return "see the run's error";
  return "";
}

std::string advice_text(const json& doc) {
  if (!doc.contains("advice") || !doc["advice"].is_object()) return "";
  const json& a = doc["advice"];
  std::string s = "about " + std::to_string(a.value("trials_needed_per_side", 0)) +
                  " trials per side (--budget " +
                  fixed_text(a.value("suggested_budget_seconds", 0.0), 0);
  if (a.contains("suggested_planned_trials") && a["suggested_planned_trials"].is_number())
    s += " --planned-trials " + std::to_string(a["suggested_planned_trials"].get<int>());
  return s + ") would likely settle " + json_text(a, "metric");
}

}  // namespace

verdict_summary summarise(const json& doc) {
  verdict_summary v;
  v.verdict = json_text(doc, "verdict");
  v.reason = json_text(doc, "error");
  if (v.reason.empty()) v.reason = verdict_reason_of(doc);
  if (doc.contains("metrics") && doc["metrics"].is_array())
    for (const auto& m : doc["metrics"]) {
      metric_line l{&m,
                    json_text(m, "name"),
                    json_text(m, "verdict"),
                    m.value("decides", true),
                    metric_is_open(m),
                    "",
                    ""};
      if (!l.decides) ++v.informational;
      if (verdict_rank(l.verdict) <= 2) {
        if (const json* f = finding_explaining(doc, l.name)) {
          l.cause = json_text(*f, "id") + ": " + json_text(*f, "title");
          l.fix = json_text(*f, "fix");
        } else {
          l.fix = what_to_do(m);
        }
      }
      v.metrics.push_back(std::move(l));
    }
  // Counts per verdict among deciding metrics, worst first.
  std::map<std::pair<int, std::string>, int> per;
  for (const auto& l : v.metrics)
    if (l.decides) ++per[{verdict_rank(l.verdict), l.verdict}];
  for (const auto& [k, n] : per) v.counts.emplace_back(k.second, n);
  std::stable_sort(v.metrics.begin(), v.metrics.end(),
                   [](const metric_line& a, const metric_line& b) {
                     // Each (verdict, informational) group contiguous: a rendering's table
                     // per group is then one table, informational ones after the deciding.
                     if (a.open != b.open) return a.open;
                     if (a.decides != b.decides) return a.decides;
                     const int ra = verdict_rank(a.verdict), rb = verdict_rank(b.verdict);
                     if (ra != rb) return ra < rb;
                     if (a.verdict != b.verdict) return a.verdict < b.verdict;
                     return a.name < b.name;
                   });
  v.open = static_cast<std::size_t>(
      std::count_if(v.metrics.begin(), v.metrics.end(), [](const auto& l) { return l.open; }));
  v.unjudged = static_cast<int>(unjudged_metrics(doc).size());
  v.advice = advice_text(doc);
  return v;
}

std::string counts_text(const verdict_summary& v) {
  std::string s;
  for (const auto& [verdict, n] : v.counts)
    s += (s.empty() ? "" : ", ") + std::to_string(n) + " " + verdict;
  if (s.empty()) s = v.informational > 0 ? "no deciding metric" : "no metric measured";
  if (v.informational > 0) s += " (+" + std::to_string(v.informational) + " informational)";
  if (v.unjudged > 0) s += "; " + std::to_string(v.unjudged) + " not judged (one side only)";
  return s;
}

std::string runtime_text(const json& runtime) {
  const std::string kind = json_text(runtime, "kind");
  if (kind == "none" || kind.empty()) return "none";
  std::string engine = json_text(runtime, "engine");
  if (engine.empty()) engine = kind;
  // A path names its file: "/usr/bin/podman" is podman.
  if (const auto slash = engine.rfind('/'); slash != std::string::npos)
    engine = engine.substr(slash + 1);
  const std::string version = engine_version_number(json_text(runtime, "version"));
  return version.empty() ? engine : engine + " " + version;
}

}  // namespace gpuparity::harness
