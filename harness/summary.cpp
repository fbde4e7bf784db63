// The summary `run` prints on stdout (and `report --text` writes): the decision first (the
// verdict, the counts per verdict, what is wrong and what to do), then the metrics grouped
// by verdict, worst first, each group a table; no line longer than 100 columns.
#include <cstdio>
#include <set>
#include <sstream>

#include "findings_view.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "verdict_view.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

constexpr std::size_t width = 100;  // columns of every line
constexpr std::size_t name_w = 34;  // the metric column

// text after `first` on the first line and `indent` on the others, broken at spaces (a word
// longer than a line is cut) so that no line passes `width`.
std::string wrap(const std::string& first, const std::string& text, const std::string& indent) {
  std::string out, line = first;
  bool empty = true;  // no word on the line yet
  const auto flush = [&] {
    out += line + "\n";
    line = indent;
    empty = true;
  };
  std::istringstream words(text);
  std::string w;
  while (words >> w) {
    if (!empty && line.size() + 1 + w.size() > width) flush();
    while (line.size() + w.size() > width) {  // a word longer than a line, on a fresh line
      const std::size_t room = width - line.size();
      line += w.substr(0, room);
      w = w.substr(room);
      flush();
    }
    if (!w.empty()) {
      line += (empty ? "" : " ") + w;
      empty = false;
    }
  }
  return out + line + "\n";
}

// "gemm/cublaslt/bf16/8192:flop_per_second" -> "gemm/cublaslt/bf16/8192:FLOP/s"; a name
// still too long keeps its start and end around "...".
std::string short_name(const std::string& name) {
  static const std::pair<const char*, const char*> counters[] = {
      {":flop_per_second", ":FLOP/s"},  {":bytes_per_second", ":B/s"},
      {":tokens_per_second", ":tok/s"}, {":latency_seconds", ":latency"},
      {":submit_seconds", ":submit"},   {":seconds", ":s"}};
  std::string s = name;
  for (const auto& [from, to] : counters) {
    const std::string f = from;
    if (s.size() > f.size() && s.compare(s.size() - f.size(), f.size(), f) == 0) {
      s = s.substr(0, s.size() - f.size()) + to;
      break;
    }
  }
  if (s.size() <= name_w) return s;
  const std::size_t tail = (name_w - 3) / 2, head = name_w - 3 - tail;
  return s.substr(0, head) + "..." + s.substr(s.size() - tail);
}

// A ratio or an interval's end in at most 6 characters: 4 decimals, fewer for large values.
std::string compact(double v) {
  return fixed_text(v, v >= 1000 ? 0 : v >= 100 ? 1 : v >= 10 ? 2 : 4);
}

std::string interval(const json& m) {
  if (!m["ci_low"].is_number()) return "-";
  return "[" + compact(m["ci_low"].get<double>()) + ", " + compact(m["ci_high"].get<double>()) +
         "]";
}

void finding_text(std::ostringstream& s, const json& f) {
  s << wrap("audit [" + json_text(f, "severity") + "] ", json_text(f, "title"), "  ");
  // The info list is its title: both sides' values stay in the report.
  if (json_text(f, "severity") == "info" && f.value("explains", json::array()).empty()) return;
  s << wrap("  native:    ", json_text(f, "native"), "             ")
    << wrap("  container: ", json_text(f, "container"), "             ")
    << wrap("  fix:       ", json_text(f, "fix"), "             ");
  std::string explains;
  for (const auto& m : f.value("explains", json::array()))
    explains += (explains.empty() ? "" : " ") + m.get<std::string>();
  if (!explains.empty()) s << wrap("  explains:  ", explains, "             ");
}

// The metrics, one table per verdict (informational ones apart), worst first.
void metric_tables(std::ostringstream& s, const json& r, const verdict_summary& v) {
  const bool cmp = is_comparison(r);
  const char* a = cmp ? "baseline" : "native";
  const char* b = cmp ? "candidate" : "container";
  std::string group;
  char line[512];
  for (const auto& l : v.metrics) {
    const std::string g = l.verdict + (l.decides ? "" : ", informational");
    if (g != group) {
      int n = 0;
      for (const auto& o : v.metrics) n += o.verdict == l.verdict && o.decides == l.decides;
      s << "\n" << g << " (" << n << "):\n";
      std::snprintf(line, sizeof line, "  %-*s %14s %14s %6s %-16s %7s\n", static_cast<int>(name_w),
                    "metric", a, b, "ratio", "interval", "n");
      s << line;
      group = g;
    }
    const json& m = *l.metric;
    const std::string counter = json_text(m, "counter");
    const std::string n =
        std::to_string(m[a]["n"].get<int>()) + "/" + std::to_string(m[b]["n"].get<int>());
    std::snprintf(line, sizeof line, "  %-*s %14s %14s %6s %-16s %7s\n", static_cast<int>(name_w),
                  short_name(l.name).c_str(),
                  format_value(counter, m[a]["median"].get<double>()).c_str(),
                  format_value(counter, m[b]["median"].get<double>()).c_str(),
                  compact(m["ratio"].get<double>()).c_str(), interval(m).c_str(), n.c_str());
    s << line;
    // An open metric's cause (its fix is in "what is wrong and what to do" above), or what
    // to do when no finding explains it.
    if (l.open && !l.cause.empty())
      s << wrap("    cause: ", l.cause, "           ");
    else if (l.open && !l.fix.empty())
      s << wrap("    to do: ", l.fix, "           ");
  }
}

void telemetry_text(std::ostringstream& s, const json& r) {
  if (!r.contains("telemetry")) return;
  if (!r["telemetry"].value("available", false)) {
    s << wrap("telemetry: unavailable (", json_text(r["telemetry"], "reason", "?") + ")", "  ");
    return;
  }
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
  std::string text = std::to_string(r["telemetry"]["samples"].size()) +
                     " NVML samples; throttled trials: " + std::to_string(throttled[0]) + "/" +
                     std::to_string(total[0]) + " native, " + std::to_string(throttled[1]) + "/" +
                     std::to_string(total[1]) + " container";
  for (const auto& x : reasons) text += (x == *reasons.begin() ? " (" : ", ") + x;
  s << wrap("telemetry: ", text + (reasons.empty() ? "" : ")"), "  ");
}

}  // namespace

std::string summary_table(const json& r) {
  std::ostringstream s;
  const auto v = summarise(r);
  // The decision, before any number: the verdict, how the metrics fell, what to do.
  s << wrap("verdict: " + v.verdict + (v.reason.empty() ? "" : " - "), v.reason, "  ");
  s << wrap("metrics: ", counts_text(v), "  ");
  if (const auto missing = unjudged_metrics(r); !missing.empty()) {
    // Their names, a few: the Markdown, the HTML and the report list them all.
    std::size_t blocking = 0;
    for (const auto& u : missing) blocking += u.blocking;
    std::string text = std::to_string(missing.size()) + " metric(s) measured on one side only (" +
                       std::to_string(blocking) + " forbid a pass):";
    for (std::size_t i = 0; i < missing.size() && i < 4; ++i)
      text += std::string(i ? ", " : " ") + missing[i].name;
    if (missing.size() > 4) text += " and " + std::to_string(missing.size() - 4) + " more";
    s << wrap("not judged: ", text, "  ");
  }
  if (!v.advice.empty()) s << wrap("advice: ", v.advice, "  ");
  if (const auto leading = findings_of(r, true); !leading.empty()) {
    s << "\nwhat is wrong and what to do:\n";
    for (const auto* f : leading) finding_text(s, *f);
  }
  metric_tables(s, r, v);
  if (!v.metrics.empty()) s << "\n";
  if (r.contains("costs"))
    for (const auto& [k, c] : r["costs"].items())
      if (c.contains("native_median_seconds"))
        s << wrap("cost " + k + ": ",
                  "native " + format_value("seconds", c["native_median_seconds"].get<double>()) +
                      ", container " +
                      format_value("seconds", c["container_median_seconds"].get<double>()),
                  "  ");
  for (const auto* f : findings_of(r, false)) finding_text(s, *f);
  telemetry_text(s, r);
  if (r.contains("baseline_comparison")) {
    const auto& c = r["baseline_comparison"];
    s << wrap(
        "against the baseline: ",
        json_text(c, "verdict") + " (" + counts_text(summarise(c)) + ")" +
            (json_text(c, "verdict_reason").empty() ? "" : " - " + json_text(c, "verdict_reason")),
        "  ");
  }
  return s.str();
}

}  // namespace gpuparity::harness
