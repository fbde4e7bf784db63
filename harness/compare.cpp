#include "compare.hpp"

#include <algorithm>
#include <cmath>

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

}  // namespace

json compare_measurements(const measurement_set& base, const measurement_set& cand,
                          const class_margins& margins) {
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
  if (b.gpu_name.empty() || c.gpu_name.empty()) {
    checks.push_back(check("gpu_model", "warning", b.gpu_name, c.gpu_name,
                           "a document does not name its GPU; comparability is unverified"));
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

  json metrics = json::array(), only_base = json::array(), only_cand = json::array();
  int regressions = 0, inconclusive = 0;
  for (const auto& [name, bs] : base.metrics) {
    const auto it = cand.metrics.find(name);
    if (it == cand.metrics.end()) {
      only_base.push_back(name);
      continue;
    }
    const auto& cs = it->second;
    const double margin = margins.of(bs.kind.cls);
    const auto r =
        performance_ratio(bs.samples, cs.samples, bs.kind.higher_is_better, comparison_confidence);
    const auto v = decide_regression(r, margin);
    const bool decides = margins.decides(bs.kind.cls);
    if (decides && v == regression_verdict::regression) ++regressions;
    if (decides && v == regression_verdict::inconclusive) ++inconclusive;
    json m = metric_identity(bs.kind);
    m["margin"] = margin;
    m["decides"] = decides;
    m["baseline"] = {{"median", median(bs.samples)}, {"n", bs.samples.size()}};
    m["candidate"] = {{"median", median(cs.samples)}, {"n", cs.samples.size()}};
    put_interval(m, r);
    m["verdict"] = regression_verdict_name(v);
    metrics.push_back(m);
  }
  for (const auto& [name, s] : cand.metrics)
    if (!base.metrics.count(name)) only_cand.push_back(name);
  doc["metrics"] = metrics;
  doc["only_in_baseline"] = only_base;
  doc["only_in_candidate"] = only_cand;

  std::string verdict = "no_regression";
  int code = exit_parity;
  if (!comparable || metrics.empty()) {
    verdict = "not_comparable";
    code = exit_not_comparable;
    if (metrics.empty() && comparable)
      checks.push_back(check("metrics", "error", std::to_string(base.metrics.size()),
                             std::to_string(cand.metrics.size()),
                             "no metric was measured in both documents"));
    doc["comparability"] = checks;
  } else if (regressions) {
    verdict = "regression";
    code = exit_degraded;
  } else if (inconclusive) {
    verdict = "inconclusive";
    code = exit_inconclusive;
  }
  doc["verdict"] = verdict;
  doc["exit_code"] = code;
  return doc;
}

json make_baseline(const std::vector<measurement_set>& runs) {
  if (runs.empty()) throw measurement_error("a baseline needs at least one report");
  const auto& first = runs.front();
  for (const auto& r : runs)
    if (r.facts.gpu_name != first.facts.gpu_name)
      throw measurement_error("the reports were measured on different GPU models (" + first.source +
                              ": " + first.facts.gpu_name + ", " + r.source + ": " +
                              r.facts.gpu_name + "): make one baseline per model");
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
  // Metrics every run measured; the others would make the pooled samples lopsided.
  json metrics = json::array();
  for (const auto& [name, s0] : first.metrics) {
    std::vector<double> pooled, run_medians;
    bool everywhere = true;
    for (const auto& r : runs) {
      const auto it = r.metrics.find(name);
      if (it == r.metrics.end()) {
        everywhere = false;
        break;
      }
      pooled.insert(pooled.end(), it->second.samples.begin(), it->second.samples.end());
      run_medians.push_back(median(it->second.samples));
    }
    if (!everywhere) continue;
    json m = metric_identity(s0.kind);
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
  return doc;
}

}  // namespace gpuparity::harness
