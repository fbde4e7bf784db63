#pragma once
// The oracle of tests/harness/documents_property_test.cpp, written from results/schema
// (not from the code under test): the fields gpuparity reads in each kind of document, with
// the values valid there.
#include <algorithm>
#include <climits>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace gpuparity::test {

// The oracle: fields gpuparity reads, with the values valid there (from results/schema).
// A leading '?' marks an optional field. A field not listed is not read: any mutation of it
// is harmless. Rules: str, str? (or null), num (finite), pos (> 0), num0 (>= 0), int0, int1,
// int0? (or null), bool, hib (the orientation the counter has), arr, arr+ (non-empty),
// strs (array of strings), obj, unit ([0, 1]), conf ((0, 1)), ver (1), row (6 numbers >= 0),
// code (0..5), ccode (0, 1, 3, 4, 5), name (<case>:<counter>), e:a|b (one of).
using oracle = std::map<std::string, std::string>;

inline const char* oracle_counters =
    "e:bytes_per_second|flop_per_second|tokens_per_second|latency_seconds|seconds";
inline const char* oracle_classes = "e:bandwidth|compute|latency|host";

inline void oracle_metric(oracle& o, const std::string& p, const char* a, const char* b,
                          bool samples) {
  for (const auto& [k, r] :
       std::map<std::string, std::string>{{"", "obj"},
                                          {".name", "name"},
                                          {".counter", oracle_counters},
                                          {".class", oracle_classes},
                                          {".higher_is_better", "hib"},
                                          {".margin", "unit"},
                                          {".ratio", "pos"},
                                          {".ci_low", "num"},
                                          {".ci_high", "num"},
                                          {".decides", "?bool"},
                                          {".trials_needed", "?int0?"},
                                          {".throttled_trials", "?obj"},
                                          {".throttled_trials.native", "int0"},
                                          {".throttled_trials.container", "int0"}})
    o[p + k] = r;
  for (const char* side : {a, b}) {
    const std::string s = p + "." + side;
    o[s] = "obj";
    o[s + ".median"] = "pos";
    o[s + ".n"] = "int1";
    if (samples) {
      o[s + ".samples"] = "arr+";
      o[s + ".samples[]"] = "pos";
    }
  }
}

inline oracle comparison_oracle(const std::string& p) {
  oracle o{{p + "kind", "e:gpuparity-comparison"},
           {p + "schema_version", "ver"},
           {p + "created_at", "str"},
           {p + "confidence", "?conf"},
           {p + "comparability", "arr"},
           {p + "comparability[]", "obj"},
           {p + "comparability[].severity", "e:error|warning|info"},
           {p + "metrics", "arr"},
           {p + "only_in_baseline", "strs"},
           {p + "only_in_baseline[]", "str"},
           {p + "only_in_candidate", "strs"},
           {p + "only_in_candidate[]", "str"},
           {p + "verdict", "e:no_regression|regression|inconclusive|not_comparable|error"},
           {p + "exit_code", "ccode"},
           {p + "verdict_reason", "?str?"}};
  for (const char* k : {"check", "baseline", "candidate", "message"})
    o[p + "comparability[]." + std::string(k)] = "str";
  for (const char* who : {"baseline", "candidate"}) {
    const std::string w = p + who;
    o[w] = "obj";
    for (const char* k : {".source", ".label", ".gpu_name", ".driver_version"}) o[w + k] = "str";
    o[w + ".kind"] = "e:run_report|baseline|google_benchmark";
    o[w + ".side"] = "?str?";
    o[w + ".failed"] = "?strs";
  }
  oracle_metric(o, p + "metrics[]", "baseline", "candidate", false);
  o[p + "metrics[].verdict"] = "e:no_regression|regression|improved|inconclusive";
  return o;
}

inline oracle run_report_oracle() {
  oracle o{{"schema_version", "ver"},
           {"mode", "e:native-vs-container|native-vs-native"},
           {"started_at", "str"},
           {"finished_at", "str"},
           {"verdict", "e:parity|degraded|inconclusive|error"},
           {"exit_code", "code"},
           {"error", "str?"},
           {"verdict_reason", "?str?"},
           {"missing_metrics", "?arr"},
           {"confidence", "?conf"},
           {"runtime", "obj"},
           {"runtime.kind", "e:docker|podman|apptainer|custom|none"},
           {"runtime.image", "str"},
           {"runtime.version", "?str?"},
           {"sides", "obj"},
           {"sides.native", "obj"},
           {"sides.container", "obj"},
           {"sides.native.*", "?str"},
           {"sides.container.*", "?str"},
           {"trials", "arr"},
           {"trials[]", "obj"},
           {"trials[].side", "e:native|container"},
           {"trials[].index", "int0"},
           {"trials[].warmup", "bool"},
           {"trials[].error", "str?"},
           {"trials[].throttled", "?bool"},
           {"trials[].throttle_reasons", "?strs"},  // required when throttled: see valid()
           {"trials[].throttle_reasons[]", "str"},
           {"trials[].t_start_seconds", "?num0"},
           {"trials[].t_end_seconds", "num0"},  // the seed has t_start_seconds
           {"trials[].programs", "arr"},
           {"trials[].programs[]", "obj"},
           {"trials[].programs[].metrics", "obj"},
           {"trials[].programs[].metrics.*", "?pos"},
           {"trials[].programs[].failures", "arr"},
           {"metrics", "arr"},
           {"audit", "arr"},
           {"audit[]", "obj"},
           {"audit[].severity", "e:error|warning|info"},
           {"costs", "obj"},
           {"costs.noop_start", "?obj"},
           {"costs.noop_start.native_median_seconds", "num0"},
           {"costs.noop_start.container_median_seconds", "num0"},
           {"trial_counts", "?obj"},
           {"trial_counts.native", "?int0"},
           {"trial_counts.container", "?int0"},
           {"timings", "?obj"},
           {"timings.wall_seconds", "?num0"},
           {"telemetry", "?obj"},
           {"telemetry.available", "bool"},
           {"telemetry.reason", "str?"},
           {"telemetry.device", "obj"},  // the seed's telemetry is available
           {"telemetry.device.max_sm_clock_mhz", "?num0"},
           {"telemetry.device.power_limit_w", "?num0"},
           {"telemetry.samples", "arr"},
           {"telemetry.samples[]", "row"},
           {"telemetry.samples[][]", "num0"}};
  for (const char* k : {"id", "title", "native", "container", "fix"})
    o["audit[]." + std::string(k)] = "str";
  oracle_metric(o, "metrics[]", "native", "container", true);
  o["metrics[].verdict"] = "e:parity|degraded|better|inconclusive";
  return o;
}

inline oracle baseline_oracle() {
  return {{"kind", "e:gpuparity-baseline"},
          {"schema_version", "ver"},
          {"created_at", "str"},
          {"side", "str?"},
          {"gpu", "obj"},
          {"gpu.name", "str"},
          {"gpu.driver_version", "str"},
          {"gpu.sm_clock_max_hz", "?str"},
          {"gpu.ecc_enabled", "?str"},
          {"gpu.power_limit_w", "?str"},
          {"sources", "arr+"},
          {"metrics", "arr+"},
          {"metrics[]", "obj"},
          {"metrics[].name", "name"},
          {"metrics[].counter", oracle_counters},
          {"metrics[].higher_is_better", "hib"},
          {"metrics[].samples", "arr+"},
          {"metrics[].samples[]", "pos"},
          {"dropped_metrics", "?arr"}};
}

inline oracle benchmark_oracle() {
  oracle o{{"context", "?obj"},
           {"benchmarks", "arr+"},
           {"benchmarks[]", "obj"},
           {"benchmarks[].name", "str"}};
  for (const char* k : {"run_name", "run_type", "error_message", "skip_message"})
    o["benchmarks[]." + std::string(k)] = "?str";
  for (const char* k : {"error_occurred", "skipped"}) o["benchmarks[]." + std::string(k)] = "?bool";
  // A counter at or below 0 is a failed case: compare says error, baseline refuses.
  for (const char* k :
       {"bytes_per_second", "flop_per_second", "tokens_per_second", "latency_seconds", "seconds"})
    o["benchmarks[]." + std::string(k)] = "?pos";
  return o;
}

// A field's place in a document: keys and array positions; its pattern ("metrics[].name",
// "sides.native.*") is how the oracle names it.
struct step {
  std::string key;
  bool index;
};
using path = std::vector<step>;

inline std::string pattern(const path& p, bool wildcard = false) {
  std::string s;
  for (std::size_t i = 0; i < p.size(); ++i)
    s += p[i].index ? "[]"
                    : (s.empty() ? "" : ".") + (wildcard && i + 1 == p.size() ? "*" : p[i].key);
  return s;
}

// The rule for a field: by its pattern, else by its parent's wildcard ("sides.native.*").
inline const std::string* rule_of(const oracle& o, const path& p) {
  for (const auto& k : {pattern(p), pattern(p, true)}) {
    const auto it = o.find(k);
    if (it != o.end()) return &it->second;
  }
  return nullptr;
}

using oracle_json = nlohmann::ordered_json;

inline bool number_in(const oracle_json& v, double lo, double hi, bool open = false) {
  if (!v.is_number() || !std::isfinite(v.get<double>())) return false;
  const double d = v.get<double>();
  return open ? d > lo && d < hi : d >= lo && d <= hi;
}

inline bool integer_in(const oracle_json& v, long long lo, long long hi) {
  return v.is_number_integer() && number_in(v, static_cast<double>(lo), static_cast<double>(hi));
}

// Whether `v` is valid where `rule` applies (`was`: the value it replaced).
inline bool satisfies(std::string rule, const oracle_json& v, const oracle_json& was) {
  if (rule[0] == '?') rule.erase(0, 1);
  if (rule.size() > 1 && rule.back() == '?') {
    if (v.is_null()) return true;
    rule.pop_back();
  }
  if (rule.rfind("e:", 0) == 0) {
    if (!v.is_string()) return false;
    const std::string s = "|" + rule.substr(2) + "|";
    return s.find("|" + v.get<std::string>() + "|") != std::string::npos;
  }
  if (rule == "str") return v.is_string();
  if (rule == "num") return number_in(v, -HUGE_VAL, HUGE_VAL);
  if (rule == "pos") return number_in(v, 0, HUGE_VAL, true);
  if (rule == "num0") return number_in(v, 0, HUGE_VAL);
  if (rule == "int0") return integer_in(v, 0, INT_MAX);
  if (rule == "int1") return integer_in(v, 1, INT_MAX);
  if (rule == "bool") return v.is_boolean();
  if (rule == "hib") return v.is_boolean() && v == was;
  if (rule == "arr") return v.is_array();
  if (rule == "arr+") return v.is_array() && !v.empty();
  if (rule == "strs")
    return v.is_array() &&
           std::all_of(v.begin(), v.end(), [](const oracle_json& x) { return x.is_string(); });
  if (rule == "obj") return v.is_object();
  if (rule == "unit") return number_in(v, 0, 1);
  if (rule == "conf") return number_in(v, 0, 1, true);
  if (rule == "ver") return integer_in(v, 1, 1);
  if (rule == "code") return integer_in(v, 0, 5);
  if (rule == "ccode") return integer_in(v, 0, 5) && v != 2;
  if (rule == "row")
    return v.is_array() && v.size() == 6 &&
           std::all_of(v.begin(), v.end(),
                       [](const oracle_json& x) { return number_in(x, 0, HUGE_VAL); });
  if (rule == "name")
    return v.is_string() && std::regex_match(v.get<std::string>(), std::regex("[^:]+:[a-z_]+")) &&
           v == was;
  throw std::invalid_argument("unknown oracle rule " + rule);
}

}  // namespace gpuparity::test
