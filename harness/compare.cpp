#include "compare.hpp"

#include <algorithm>
#include <cmath>
#include <regex>
#include <map>

#include "decision.hpp"
#include "json_util.hpp"
#include "run.hpp"
#include "stats.hpp"
#include "verify.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;
using gpuparity::median;
using gpuparity::relative_mad;

json check(const char* what, const char* severity, const std::string& b, const std::string& c,
           const std::string& message) {
  return {{"check", what},
          {"severity", severity},
          {"baseline", b},
          {"candidate", c},
          {"message", message}};
}

// Whether a Google Benchmark filter (a regex searched in the case's name; a leading '-'
// negates it) leaves out the case of metric `name`. An empty or unreadable filter leaves
// out nothing.
bool excluded_by_filter(const std::string& name, const std::string& filter) {
  if (filter.empty()) return false;
  const bool negative = filter[0] == '-';
  const std::string case_name = name.substr(0, name.rfind(':')) + "/";
  try {
    const std::regex re(negative ? filter.substr(1) : filter, std::regex::extended);
    return std::regex_search(case_name, re) == negative;
  } catch (const std::regex_error&) {
    return false;
  }
}

}  // namespace

json compare_measurements(const measurement_set& base, const measurement_set& cand,
                          const class_margins& margins, const std::string& candidate_filter) {
  json doc;
  doc["kind"] = "gpuparity-comparison";
  doc["schema_version"] = comparison_schema_version;
  doc["producer"] = producer_json();
  doc["created_at"] = now_iso();
  doc["baseline"] = base.describe();
  doc["candidate"] = cand.describe();
  doc["confidence"] = comparison_confidence;
  doc["margins"] = margins_json(margins);

  json checks = json::array();
  const auto& b = base.facts;
  const auto& c = cand.facts;
  bool comparable = true;
  // A document that names no GPU cannot show it was measured on the same model.
  if (b.gpu_name.empty() || c.gpu_name.empty()) {
    comparable = false;
    checks.push_back(check("gpu_model", "error", b.gpu_name, c.gpu_name,
                           "a document does not name its GPU: comparability cannot be verified"));
  } else if (b.gpu_name != c.gpu_name) {
    comparable = false;
    checks.push_back(
        check("gpu_model", "error", b.gpu_name, c.gpu_name,
              "different GPU models: compare against a baseline measured on a " + c.gpu_name));
  }
  auto differs = [&](const char* what, const std::string& x, const std::string& y,
                     const char* severity, const std::string& msg) {
    if (!x.empty() && !y.empty() && x != y) checks.push_back(check(what, severity, x, y, msg));
  };
  differs("sm_clock_max", b.sm_clock_max_hz, c.sm_clock_max_hz, "warning",
          "different maximum SM clocks (clock locks or another SKU): compute rates differ "
          "for that reason alone");
  differs("power_limit", b.power_limit_w, c.power_limit_w, "warning",
          "different power limits (W): tensor-core GEMMs run at the power cap on H100");
  differs("ecc", b.ecc_enabled, c.ecc_enabled, "warning", "ECC differs: it costs memory bandwidth");
  differs("driver", b.driver_version, c.driver_version, "info",
          "different driver versions (usually what is being tested)");
  doc["comparability"] = checks;

  evidence ev;
  if (!comparable)
    ev.mismatched.push_back("GPU model: " + (b.gpu_name.empty() ? "unknown" : b.gpu_name) + " vs " +
                            (c.gpu_name.empty() ? "unknown" : c.gpu_name));
  for (const auto* s : {&base, &cand}) {
    const std::string who = s == &base ? "baseline " : "candidate ";
    for (const auto& f : s->failed) ev.failed.push_back(who + f);
    for (const auto& a : s->audit_errors) ev.audit_errors.push_back(who + a);
    for (const auto& a : s->disturbed) ev.disturbed.push_back(who + a);
  }
  json metrics = json::array(), only_base = json::array();
  for (const auto& [name, bs] : base.metrics) {
    const auto it = cand.metrics.find(name);
    if (it == cand.metrics.end()) {
      // The candidate did not measure what the baseline holds: an error, unless the
      // candidate's own --filter left the case out (then inconclusive at best).
      (excluded_by_filter(name, candidate_filter) ? ev.unjudged : ev.missing).push_back(name);
      only_base.push_back(name);
      continue;
    }
    const auto& cs = it->second;
    const double margin = margins.of(bs.kind.cls);
    const auto r =
        performance_ratio(bs.samples, cs.samples, bs.kind.higher_is_better, comparison_confidence);
    const auto v = decide_regression(r, margin);
    const bool decides = margins.decides(bs.kind.cls);
    if (decides) {
      ++ev.judged;
      ev.worse += v == regression_verdict::regression;
      ev.open += v == regression_verdict::inconclusive;
    }
    json m = metric_identity(bs.kind);
    m["margin"] = margin;
    m["decides"] = decides;
    m["baseline"] = {{"median", median(bs.samples)}, {"n", bs.samples.size()}};
    m["candidate"] = {{"median", median(cs.samples)}, {"n", cs.samples.size()}};
    put_interval(m, r);
    m["verdict"] = regression_verdict_name(v);
    metrics.push_back(m);
  }
  // New metrics the baseline cannot judge: inconclusive at best, never silently passed.
  json only_cand = json::array();
  for (const auto& [name, s] : cand.metrics)
    if (!base.metrics.count(name)) {
      ev.unjudged.push_back(name);
      only_cand.push_back(name);
    }
  doc["metrics"] = metrics;
  doc["only_in_baseline"] = only_base;
  doc["only_in_candidate"] = only_cand;
  const decision d = decide_comparison(ev);
  doc["verdict"] = d.verdict;
  doc["exit_code"] = d.exit_code;
  doc["verdict_reason"] = d.reason.empty() ? json(nullptr) : json(d.reason);
  return doc;
}

json make_baseline(const std::vector<measurement_set>& runs) {
  if (runs.empty()) throw measurement_error("a baseline needs at least one report");
  const auto& first = runs.front();
  for (const auto& r : runs) {
    // A baseline is the reference every later run is judged against: only clean evidence.
    if (!r.failed.empty())
      throw measurement_error(r.source + ": cases failed (" + short_list(r.failed) +
                              "): a baseline pools only runs whose every case passed");
    if (!r.audit_errors.empty())
      throw measurement_error(r.source + ": the audit found an error (" +
                              short_list(r.audit_errors) + "): fix it and run again");
    if (!r.disturbed.empty())
      throw measurement_error(r.source + ": its measurement was disturbed (" +
                              short_list(r.disturbed) + "): measure the baseline on an idle GPU");
    if (r.facts.gpu_name.empty())
      throw measurement_error(r.source + " does not name its GPU: a baseline is for one GPU model");
    if (r.facts.gpu_name != first.facts.gpu_name)
      throw measurement_error("the reports were measured on different GPU models (" + first.source +
                              ": " + first.facts.gpu_name + ", " + r.source + ": " +
                              r.facts.gpu_name + "): make one baseline per model");
  }
  json doc;
  doc["kind"] = "gpuparity-baseline";
  doc["schema_version"] = baseline_schema_version;
  doc["producer"] = producer_json();
  doc["created_at"] = now_iso();
  doc["side"] = first.side.empty() ? json(nullptr) : json(first.side);
  doc["gpu"] = {{"name", first.facts.gpu_name},
                {"driver_version", first.facts.driver_version},
                {"sm_clock_max_hz", first.facts.sm_clock_max_hz},
                {"ecc_enabled", first.facts.ecc_enabled},
                {"power_limit_w", first.facts.power_limit_w}};
  doc["sources"] = json::array();
  for (const auto& r : runs) doc["sources"].push_back(r.describe());
  // Metrics every run measured; the others would make the pooled samples lopsided, so
  // they are listed as dropped (a candidate that measures one gets it unjudged).
  std::map<std::string, const metric_series*> every;
  for (const auto& r : runs)
    for (const auto& [name, series] : r.metrics) every.emplace(name, &series);
  json metrics = json::array(), dropped = json::array();
  for (const auto& [name, s0] : every) {
    std::vector<double> pooled, run_medians;
    json missing_from = json::array();
    for (const auto& r : runs) {
      const auto it = r.metrics.find(name);
      if (it == r.metrics.end()) {
        missing_from.push_back(r.source);
        continue;
      }
      pooled.insert(pooled.end(), it->second.samples.begin(), it->second.samples.end());
      run_medians.push_back(median(it->second.samples));
    }
    if (!missing_from.empty()) {
      dropped.push_back({{"name", name}, {"missing_from", missing_from}});
      continue;
    }
    json m = metric_identity(s0->kind);
    m["median"] = median(pooled);
    m["run_medians"] = run_medians;
    m["spread"] = {{"run_median_min", *std::min_element(run_medians.begin(), run_medians.end())},
                   {"run_median_max", *std::max_element(run_medians.begin(), run_medians.end())},
                   {"relative_mad", relative_mad(pooled)}};
    m["n"] = pooled.size();
    m["samples"] = pooled;
    metrics.push_back(m);
  }
  if (metrics.empty()) throw measurement_error("no metric was measured in every report");
  doc["metrics"] = metrics;
  doc["dropped_metrics"] = dropped;
  return doc;
}

thin_metrics thin_baseline_metrics(const json& baseline) {
  thin_metrics t;
  for (const auto& m : baseline["metrics"]) {
    const std::size_t n = m["samples"].size();
    if (n >= baseline_samples_wanted) continue;
    if (t.count == 0 || n < t.fewest) {
      t.fewest = n;
      t.example = m["name"].get<std::string>();
    }
    ++t.count;
  }
  return t;
}

}  // namespace gpuparity::harness
