#include "outputs.hpp"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <vector>

#include "decision.hpp"
#include "findings_view.hpp"
#include "json_util.hpp"
#include "report.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

// The two sides' names and medians of a metric, run report or comparison alike.
struct sides_of {
  const char* a;
  const char* b;
};
sides_of side_names(const json& doc) {
  return is_comparison(doc) ? sides_of{"baseline", "candidate"} : sides_of{"native", "container"};
}

bool failing(const std::string& verdict) {
  return verdict == "degraded" || verdict == "regression" || verdict == "error";
}

std::string evidence(const json& m, const sides_of& s, const std::string& ci_text) {
  std::ostringstream e;
  const std::string counter = json_text(m, "counter");
  e << s.a << " median " << format_value(counter, m[s.a]["median"].get<double>())
    << " (n=" << m[s.a]["n"].get<int>() << "), " << s.b << " median "
    << format_value(counter, m[s.b]["median"].get<double>()) << " (n=" << m[s.b]["n"].get<int>()
    << "); ratio " << fixed_text(m["ratio"].get<double>(), 4) << ", " << ci_text << " "
    << interval_text(m) << ", margin +/-" << fixed_text(100.0 * m["margin"].get<double>(), 1)
    << "%";
  if (m.contains("throttled_trials")) {
    const auto& t = m["throttled_trials"];
    if (t.value("native", 0) + t.value("container", 0) > 0)
      e << "; throttled trials: " << t.value("native", 0) << " native, " << t.value("container", 0)
        << " container";
  }
  return e.str();
}

// One <testsuite> of metric verdicts.
void junit_suite(std::ostringstream& x, const std::string& name, const json& doc,
                 const std::string& timestamp, int& tests, int& failures, int& errors,
                 int& skipped) {
  const auto s = side_names(doc);
  std::ostringstream cases;
  int t = 0, f = 0, e = 0, k = 0;
  const std::string kind = is_comparison(doc) ? "regression" : "parity";
  for (const auto& m : doc["metrics"]) {
    ++t;
    const std::string v = json_text(m, "verdict");
    const bool decides = m.value("decides", true);
    cases << "    <testcase classname=\"gpuparity." << kind << "."
          << xml_escape(json_text(m, "class")) << "\" name=\"" << xml_escape(json_text(m, "name"))
          << "\" time=\"0\">\n";
    const std::string ev = xml_escape(evidence(m, s, ci_label(doc)));
    if (failing(v) && decides) {
      ++f;
      const std::string cause = cause_of_metric(doc, json_text(m, "name"));
      const std::string why = cause.empty() ? ev : ev + xml_escape("; cause: " + cause);
      cases << "      <failure type=\"" << v << "\" message=\"" << v << ": " << why << "\">" << why
            << "</failure>\n";
    } else if (v == "inconclusive" || !decides) {
      ++k;
      std::string why = v + (decides ? "" : " (informational: its class does not decide)");
      if (m.contains("trials_needed") && m["trials_needed"].is_number())
        why += "; about " + std::to_string(m["trials_needed"].get<int>()) +
               " trials per side would show parity";
      cases << "      <skipped message=\"" << xml_escape(why) << ": " << ev << "\"/>\n";
    } else {
      cases << "      <system-out>" << v << ": " << ev << "</system-out>\n";
    }
    cases << "    </testcase>\n";
  }
  if (!is_comparison(doc)) {
    for (const auto& a : doc.value("audit", json::array())) {
      ++t;
      cases << "    <testcase classname=\"gpuparity.audit\" name=\""
            << xml_escape(json_text(a, "id")) << "\" time=\"0\">\n";
      const std::string text =
          xml_escape(json_text(a, "title") + ". native: " + json_text(a, "native") +
                     "; container: " + json_text(a, "container") + "; fix: " + json_text(a, "fix"));
      if (json_text(a, "severity") == "error") {
        ++f;
        cases << "      <failure type=\"audit\" message=\"" << text << "\">" << text
              << "</failure>\n";
      } else if (disturbs_measurement(a)) {
        ++k;  // no pass rests on it (decision.hpp)
        cases << "      <skipped message=\"measurement disturbed: " << text << "\"/>\n";
      } else {
        cases << "      <system-out>[" << xml_escape(json_text(a, "severity")) << "] " << text
              << "</system-out>\n";
      }
      cases << "    </testcase>\n";
    }
  }
  // Metrics measured on one side only: a failure where they forbid a pass, skipped where
  // they leave the verdict inconclusive at best, never absent.
  for (const auto& u : unjudged_metrics(doc)) {
    ++t;
    cases << "    <testcase classname=\"gpuparity." << kind << ".missing\" name=\""
          << xml_escape(u.name) << "\" time=\"0\">\n";
    if (u.blocking) {
      ++f;
      const std::string cause = cause_of_metric(doc, u.name);
      const std::string why = xml_escape(u.text + (cause.empty() ? "" : "; cause: " + cause));
      cases << "      <failure type=\"missing\" message=\"" << why << "\">" << why
            << "</failure>\n";
    } else {
      ++k;
      cases << "      <skipped message=\"not judged: " << xml_escape(u.text) << "\"/>\n";
    }
    cases << "    </testcase>\n";
  }
  const std::string verdict = json_text(doc, "verdict");
  if (verdict == "error" || verdict == "not_comparable") {
    ++t;
    ++e;
    std::string why = verdict_reason_of(doc);
    for (const auto& c : doc.value("comparability", json::array()))
      if (json_text(c, "severity") == "error" && why.empty()) why = json_text(c, "message");
    cases << "    <testcase classname=\"gpuparity." << kind << "\" name=\"" << verdict
          << "\" time=\"0\">\n      <error type=\"" << verdict << "\" message=\"" << xml_escape(why)
          << "\">" << xml_escape(why) << "</error>\n    </testcase>\n";
  }
  const double seconds = doc.contains("timings") ? doc["timings"].value("wall_seconds", 0.0) : 0.0;
  x << "  <testsuite name=\"" << xml_escape(name) << "\" tests=\"" << t << "\" failures=\"" << f
    << "\" errors=\"" << e << "\" skipped=\"" << k << "\" time=\"" << fixed_text(seconds, 3)
    << "\" timestamp=\"" << xml_escape(timestamp) << "\">\n";
  x << "    <properties>\n      <property name=\"verdict\" value=\"" << xml_escape(verdict)
    << "\"/>\n";
  if (!is_comparison(doc)) {
    const json& n = doc["sides"]["native"];
    x << "      <property name=\"gpu\" value=\"" << xml_escape(json_text(n, "gpu_name")) << "\"/>\n"
      << "      <property name=\"driver\" value=\""
      << xml_escape(json_text(n, "env_nvml_driver_version")) << "\"/>\n"
      << "      <property name=\"runtime\" value=\""
      << xml_escape(json_text(doc["runtime"], "kind")) << "\"/>\n"
      << "      <property name=\"image\" value=\"" << xml_escape(json_text(doc["runtime"], "image"))
      << "\"/>\n";
  }
  x << "    </properties>\n" << cases.str() << "  </testsuite>\n";
  tests += t;
  failures += f;
  errors += e;
  skipped += k;
}

class prom_writer {
 public:
  explicit prom_writer(std::string common) : common_(std::move(common)) {}
  void family(const std::string& name, const std::string& help) {
    s_ << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
  }
  void sample(const std::string& name, const std::string& labels, double v) {
    s_ << name << "{" << common_ << (labels.empty() ? "" : "," + labels) << "} " << prom_number(v)
       << "\n";
  }
  std::string text() const { return s_.str(); }

 private:
  std::string common_;
  std::ostringstream s_;
};

std::string lbl(const char* k, const std::string& v) {
  return std::string(k) + "=\"" + label_value(v) + "\"";
}

// A run's GPU: its model and UUID, and the index where --gpus selected one, so that runs on
// several GPUs of one node are series of their own. The UUID is the one selected, else the
// one the native side reported (an error run before any trial has none: "").
std::string gpu_labels(const json& doc) {
  const json& n = doc["sides"]["native"];
  const json gpus = doc.contains("config") && doc["config"].is_object()
                        ? doc["config"].value("gpus", json::object())
                        : json::object();
  const std::string by = json_text(gpus, "selected_by"), selection = json_text(gpus, "selection");
  std::string labels = lbl("gpu_name", json_text(n, "gpu_name")) + "," +
                       lbl("gpu_uuid", by == "uuid" ? selection : json_text(n, "gpu_uuid"));
  if (by == "index") labels += "," + lbl("gpu_index", selection);
  return labels;
}

void prom_metrics(prom_writer& w, const json& doc, const std::string& prefix,
                  const std::vector<std::string>& verdicts) {
  const auto s = side_names(doc);
  w.family(prefix + "_value",
           "median of a metric's measured trials, in SI units (bytes/s, FLOP/s, tokens/s, s)");
  for (const auto& m : doc["metrics"])
    for (const char* side : {s.a, s.b})
      w.sample(prefix + "_value", lbl("metric", json_text(m, "name")) + "," + lbl("side", side),
               m[side]["median"].get<double>());
  w.family(prefix + "_ratio",
           std::string(s.b) + " performance relative to " + s.a + " (1 = equal, < 1 = worse)");
  for (const auto& m : doc["metrics"])
    w.sample(prefix + "_ratio", lbl("metric", json_text(m, "name")), m["ratio"].get<double>());
  for (const auto& [end, which] : {std::pair{"low", "lower"}, std::pair{"high", "upper"}}) {
    const std::string key = std::string("ci_") + end, family = prefix + "_ratio_" + key;
    w.family(family, std::string(which) +
                         " end of the ratio's confidence interval (the report's confidence)");
    for (const auto& m : doc["metrics"])
      if (m[key].is_number())
        w.sample(family, lbl("metric", json_text(m, "name")), m[key].get<double>());
  }
  w.family(prefix + "_verdict", "1 for the metric's verdict, 0 for the others");
  for (const auto& m : doc["metrics"])
    for (const auto& v : verdicts)
      w.sample(prefix + "_verdict", lbl("metric", json_text(m, "name")) + "," + lbl("verdict", v),
               json_text(m, "verdict") == v ? 1.0 : 0.0);
}

// gpuparity_..._metric_missing: 1 per metric measured on one side only.
void prom_missing(prom_writer& w, const json& doc, const std::string& family) {
  const auto missing = unjudged_metrics(doc);
  if (missing.empty()) return;
  w.family(family,
           "1 for a metric measured on one side only (side: the one that lacks it); "
           "blocking: whether it forbids a pass");
  for (const auto& u : missing)
    w.sample(family,
             lbl("metric", u.name) + "," + lbl("side", u.missing_on) + "," +
                 lbl("blocking", u.blocking ? "true" : "false"),
             1.0);
}

}  // namespace

std::string label_value(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '\\')
      o += "\\\\";
    else if (c == '"')
      o += "\\\"";
    else if (c == '\n')
      o += "\\n";
    else
      o += c;
  }
  return o;
}

std::string prom_number(double v) {
  if (std::isnan(v)) return "NaN";
  char b[64];
  std::snprintf(b, sizeof b, "%.17g", v);
  return b;
}

std::vector<unjudged_metric> unjudged_metrics(const json& doc) {
  std::vector<unjudged_metric> out;
  if (is_comparison(doc)) {
    for (const auto& n : doc.value("only_in_baseline", json::array()))
      out.push_back({n.get<std::string>(), "candidate", true,
                     "only in the baseline: the candidate did not measure it"});
    for (const auto& n : doc.value("only_in_candidate", json::array()))
      out.push_back({n.get<std::string>(), "baseline", false,
                     "only in the candidate: the baseline has no samples to judge it by"});
    return out;
  }
  for (const auto& m : doc.value("missing_metrics", json::array())) {
    const std::string on = json_text(m, "measured_on");
    const bool explained = m.value("explained", false);
    out.push_back(
        {json_text(m, "name"), on == "native" ? "container" : "native", !explained,
         "measured on " + on + " only (" + (explained ? "explained" : "unexplained") + ")"});
  }
  return out;
}

std::string verdict_reason_of(const json& doc) {
  const std::string reason = json_text(doc, "verdict_reason");
  return reason.empty() ? json_text(doc, "error") : reason;
}

std::string ci_label(const json& doc) {
  // The sequential rule gives each metric its look's confidence (95% at the plan, more
  // before it): one percentage in a heading would be wrong for some rows.
  if (doc.contains("rule")) return "CI (95% at plan)";
  const double c = doc.value("confidence", 0.95);
  return std::to_string(static_cast<int>(std::lround(100.0 * c))) + "% CI";
}

std::string xml_escape(const std::string& s) {
  std::string o;
  for (unsigned char c : s) {
    switch (c) {
      case '&':
        o += "&amp;";
        break;
      case '<':
        o += "&lt;";
        break;
      case '>':
        o += "&gt;";
        break;
      case '"':
        o += "&quot;";
        break;
      case '\'':
        o += "&apos;";
        break;
      default:
        if (c < 0x20 && c != '\n' && c != '\t' && c != '\r')
          o += ' ';  // not allowed in XML 1.0
        else
          o += static_cast<char>(c);
    }
  }
  return o;
}

std::string junit_xml(const json& doc) {
  std::ostringstream suites;
  int tests = 0, failures = 0, errors = 0, skipped = 0;
  if (is_comparison(doc)) {
    junit_suite(suites,
                "gpuparity compare: " + json_text(doc["candidate"], "source") + " vs " +
                    json_text(doc["baseline"], "source"),
                doc, json_text(doc, "created_at"), tests, failures, errors, skipped);
  } else {
    const std::string runtime = json_text(doc["runtime"], "kind");
    junit_suite(
        suites,
        "gpuparity run: " + json_text(doc, "mode") +
            (runtime == "none" ? ""
                               : " (" + runtime + " " + json_text(doc["runtime"], "image") + ")"),
        doc, json_text(doc, "started_at"), tests, failures, errors, skipped);
    if (doc.contains("baseline_comparison") && doc["baseline_comparison"].is_object())
      junit_suite(suites, "gpuparity regression vs baseline", doc["baseline_comparison"],
                  json_text(doc, "started_at"), tests, failures, errors, skipped);
  }
  std::ostringstream x;
  x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"gpuparity\" tests=\""
    << tests << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\""
    << skipped << "\">\n"
    << suites.str() << "</testsuites>\n";
  return x.str();
}

std::string prometheus_text(const json& doc) {
  std::string common;
  if (is_comparison(doc)) {
    const json& c = doc["candidate"];
    common = lbl("gpu", json_text(c, "gpu_name")) + "," +
             lbl("driver", json_text(c, "driver_version")) + "," +
             lbl("candidate", json_text(c, "label")) + "," +
             lbl("baseline", json_text(doc["baseline"], "source"));
  } else {
    const json& n = doc["sides"]["native"];
    common = lbl("gpu", json_text(n, "gpu_name")) + "," +
             lbl("driver", json_text(n, "env_nvml_driver_version")) + "," +
             lbl("image", json_text(doc["runtime"], "image")) + "," +
             lbl("runtime", json_text(doc["runtime"], "kind")) + "," + gpu_labels(doc);
  }
  prom_writer w(common);
  const std::string verdict = json_text(doc, "verdict");
  if (is_comparison(doc)) {
    prom_metrics(w, doc, "gpuparity_compare_metric",
                 {"no_regression", "regression", "improved", "inconclusive"});
    w.family("gpuparity_compare_verdict", "1 for the comparison's verdict, 0 for the others");
    for (const char* v : {"no_regression", "regression", "inconclusive", "not_comparable", "error"})
      w.sample("gpuparity_compare_verdict", lbl("verdict", v), verdict == v ? 1.0 : 0.0);
    w.family("gpuparity_compare_exit_code", "the exit code gpuparity compare returned");
    w.sample("gpuparity_compare_exit_code", "", doc.value("exit_code", 4));
    prom_missing(w, doc, "gpuparity_compare_metric_missing");
    return w.text();
  }
  prom_metrics(w, doc, "gpuparity_metric",
               {"parity", "degraded", "better", "inconclusive", "error"});
  w.family("gpuparity_run_verdict", "1 for the run's verdict, 0 for the others");
  for (const char* v : {"parity", "degraded", "inconclusive", "error"})
    w.sample("gpuparity_run_verdict", lbl("verdict", v), verdict == v ? 1.0 : 0.0);
  w.family("gpuparity_run_exit_code", "the exit code gpuparity run returned");
  w.sample("gpuparity_run_exit_code", "", doc.value("exit_code", 4));
  prom_missing(w, doc, "gpuparity_metric_missing");
  if (doc.contains("timings")) {
    w.family("gpuparity_run_duration_seconds", "wall time of the run");
    w.sample("gpuparity_run_duration_seconds", "", doc["timings"].value("wall_seconds", 0.0));
  }
  w.family("gpuparity_run_trials", "trials run per side, warm-ups included");
  for (const char* side : {"native", "container"})
    w.sample("gpuparity_run_trials", lbl("side", side),
             doc.contains("trial_counts") ? doc["trial_counts"].value(side, 0) : 0);
  int throttled[2] = {0, 0};
  for (const auto& t : doc["trials"])
    if (t.value("throttled", false)) ++throttled[json_text(t, "side") == "container"];
  w.family("gpuparity_run_throttled_trials", "trials during which NVML reported throttling");
  w.sample("gpuparity_run_throttled_trials", lbl("side", "native"), throttled[0]);
  w.sample("gpuparity_run_throttled_trials", lbl("side", "container"), throttled[1]);
  w.family("gpuparity_run_audit_findings", "audit findings by severity");
  for (const char* sev : {"error", "warning", "info"}) {
    int n = 0;
    for (const auto& a : doc["audit"]) n += json_text(a, "severity") == sev;
    w.sample("gpuparity_run_audit_findings", lbl("severity", sev), n);
  }
  if (doc.contains("costs") && doc["costs"].contains("noop_start")) {
    w.family("gpuparity_run_noop_start_seconds", "median time to start a no-op per side");
    w.sample("gpuparity_run_noop_start_seconds", lbl("side", "native"),
             doc["costs"]["noop_start"]["native_median_seconds"].get<double>());
    w.sample("gpuparity_run_noop_start_seconds", lbl("side", "container"),
             doc["costs"]["noop_start"]["container_median_seconds"].get<double>());
  }
  if (doc.contains("baseline_comparison") && doc["baseline_comparison"].is_object()) {
    const std::string rv = json_text(doc["baseline_comparison"], "verdict");
    w.family("gpuparity_run_regression_verdict",
             "1 for the verdict against the --baseline, 0 for the others");
    for (const char* v : {"no_regression", "regression", "inconclusive", "not_comparable", "error"})
      w.sample("gpuparity_run_regression_verdict", lbl("verdict", v), rv == v ? 1.0 : 0.0);
    prom_missing(w, doc["baseline_comparison"], "gpuparity_run_regression_metric_missing");
  }
  return w.text();
}

}  // namespace gpuparity::harness
