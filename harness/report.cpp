#include "report.hpp"

#include <cstdio>
#include <set>
#include <sstream>

#include "findings_view.hpp"
#include "json_util.hpp"
#include "output_path.hpp"
#include "outputs.hpp"

namespace gpuparity::harness {

std::string write_report(const std::string& path, const nlohmann::ordered_json& report) {
  return write_output(path, dump_document(report));
}

std::string format_value(const std::string& counter, double v) {
  char buf[64];
  if (counter == "bytes_per_second")
    std::snprintf(buf, sizeof buf, "%.1f GB/s", v / 1e9);
  else if (counter == "flop_per_second")
    std::snprintf(buf, sizeof buf, "%.1f TFLOP/s", v / 1e12);
  else if (counter == "tokens_per_second")
    std::snprintf(buf, sizeof buf, "%.3f Mtok/s", v / 1e6);
  else if (counter == "latency_seconds" || counter == "submit_seconds")
    std::snprintf(buf, sizeof buf, "%.3f us", v * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.4f s", v);
  return buf;
}

std::string fixed_text(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string interval_text(const nlohmann::ordered_json& m) {
  if (!m["ci_low"].is_number()) return "-";
  return "[" + fixed_text(m["ci_low"].get<double>(), 4) + ", " +
         fixed_text(m["ci_high"].get<double>(), 4) + "]";
}

namespace {

void finding_text(std::ostringstream& s, const nlohmann::ordered_json& f) {
  s << "audit [" << f["severity"].get<std::string>() << "] " << f["title"].get<std::string>()
    << "\n";
  // The info list is its title: both sides' values stay in the report.
  if (f["severity"] == "info" && f["explains"].empty()) return;
  s << "  native:    " << f["native"].get<std::string>()
    << "\n  container: " << f["container"].get<std::string>()
    << "\n  fix:       " << f["fix"].get<std::string>() << "\n";
  if (!f["explains"].empty()) {
    s << "  explains: ";
    for (const auto& m : f["explains"]) s << " " << m.get<std::string>();
    s << "\n";
  }
}

}  // namespace

std::string summary_table(const nlohmann::ordered_json& r) {
  std::ostringstream s;
  // What is wrong and what to do, before any number.
  const auto leading = findings_of(r, true);
  if (!leading.empty()) {
    s << "what is wrong and what to do:\n";
    for (const auto* f : leading) finding_text(s, *f);
    s << "\n";
  }
  char line[512];
  std::snprintf(line, sizeof line, "%-40s %16s %16s %8s %19s %7s  %s\n", "metric", "native",
                "container", "ratio", ci_label(r).c_str(), "n", "verdict");
  if (!r["metrics"].empty()) s << line;  // an error before any measurement has no rows
  for (const auto& m : r["metrics"]) {
    const std::string counter = m["counter"];
    std::string v = m["verdict"];
    if (!m.value("decides", true)) v += " (informational)";
    if (m.contains("trials_needed"))
      v += m["trials_needed"].is_number()
               ? " (~" + std::to_string(m["trials_needed"].get<int>()) + " trials/side for parity)"
               : " (its estimate lies outside the margin)";
    // Trials per side behind the verdict: with focused trials they differ between metrics.
    const std::string n = std::to_string(m["native"]["n"].get<int>()) + "/" +
                          std::to_string(m["container"]["n"].get<int>());
    std::snprintf(line, sizeof line, "%-40s %16s %16s %8.4f %19s %7s  %s\n",
                  m["name"].get<std::string>().c_str(),
                  format_value(counter, m["native"]["median"].get<double>()).c_str(),
                  format_value(counter, m["container"]["median"].get<double>()).c_str(),
                  m["ratio"].get<double>(), interval_text(m).c_str(), n.c_str(), v.c_str());
    s << line;
  }
  for (const auto& [k, c] : r["costs"].items())
    if (c.contains("native_median_seconds"))
      s << "cost " << k << ": native "
        << format_value("seconds", c["native_median_seconds"].get<double>()) << ", container "
        << format_value("seconds", c["container_median_seconds"].get<double>()) << "\n";
  for (const auto* f : findings_of(r, false)) finding_text(s, *f);
  if (r.contains("telemetry") && r["telemetry"].value("available", false)) {
    int throttled[2] = {0, 0}, total[2] = {0, 0};
    std::set<std::string> reasons;
    for (const auto& t : r["trials"]) {
      const int side = t["side"] == "container";
      ++total[side];
      if (t.value("throttled", false)) {
        ++throttled[side];
        for (const auto& x : t["throttle_reasons"]) reasons.insert(x.get<std::string>());
      }
    }
    s << "telemetry: " << r["telemetry"]["samples"].size()
      << " NVML samples; throttled trials: " << throttled[0] << "/" << total[0] << " native, "
      << throttled[1] << "/" << total[1] << " container";
    for (const auto& x : reasons) s << (x == *reasons.begin() ? " (" : ", ") << x;
    s << (reasons.empty() ? "" : ")") << "\n";
  } else if (r.contains("telemetry")) {
    s << "telemetry: unavailable (" << r["telemetry"].value("reason", std::string("?")) << ")\n";
  }
  if (r.contains("missing_metrics"))
    for (const auto& m : r["missing_metrics"])
      s << "missing: " << m["name"].get<std::string>() << " was measured on the "
        << m["measured_on"].get<std::string>() << " side only\n";
  s << "verdict: " << r["verdict"].get<std::string>();
  if (r["error"].is_string())
    s << " (" << r["error"].get<std::string>() << ")";
  else if (r.contains("verdict_reason") && r["verdict_reason"].is_string())
    s << " (" << r["verdict_reason"].get<std::string>() << ")";
  s << "\n";
  if (r.contains("advice"))
    s << "advice: about " << r["advice"]["trials_needed_per_side"].get<int>()
      << " trials per side (--budget " << r["advice"]["suggested_budget_seconds"].get<double>()
      << (r["advice"].contains("suggested_planned_trials")
              ? " --planned-trials " +
                    std::to_string(r["advice"]["suggested_planned_trials"].get<int>())
              : std::string())
      << ") would likely settle " << r["advice"]["metric"].get<std::string>() << "\n";
  if (r.contains("baseline_comparison")) {
    const auto& c = r["baseline_comparison"];
    s << "against the baseline: " << c["verdict"].get<std::string>();
    if (c.contains("verdict_reason") && c["verdict_reason"].is_string())
      s << " (" << c["verdict_reason"].get<std::string>() << ")";
    s << "\n";
  }
  return s.str();
}

}  // namespace gpuparity::harness
