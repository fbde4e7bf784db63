#pragma once
// The oracle of tests/harness/documents_property_test.cpp, written from results/schema
// (not from the code under test): the fields gpuparity reads in each kind of document, with
// the values valid there.
#include <map>
#include <string>

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

}  // namespace gpuparity::test
