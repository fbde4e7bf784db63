#include "documents.hpp"

#include <climits>

#include "compare.hpp"
#include "gpuparity/version.hpp"
#include "json_util.hpp"
#include "report.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;
constexpr long long int_max = INT_MAX;

// name "<case>:<counter>", a known counter, and the orientation that counter has: a document
// that says a latency is better when higher would turn every regression into a pass.
void identity(const json_check& c, const json& m, const std::string& p) {
  const std::string name = c.text(m, p, "name");
  const std::string counter = c.one_of(m, p, "counter", counter_names());
  const auto colon = name.find(':');
  if (colon == 0 || colon == std::string::npos || name.substr(colon + 1) != counter)
    c.fail(json_check::at(p, "name"),
           "\"" + name + "\" is not <case>:" + counter + " (its counter is " + counter + ")");
  const bool higher = c.field(m, p, "higher_is_better", bool_type)->get<bool>();
  if (higher != counter_higher_is_better(counter))
    c.fail(json_check::at(p, "higher_is_better"),
           std::string(higher ? "true" : "false") + " contradicts its counter " + counter);
}

// A judged metric of a run report (native, container: every sample kept) or of a
// comparison (baseline, candidate: medians only).
void judged_metric(const json_check& c, const json& m, const std::string& p, bool run) {
  identity(c, m, p);
  c.one_of(m, p, "class", {"bandwidth", "compute", "latency", "round_trip", "startup", "host"});
  c.number(m, p, "margin", 0.0, 1.0);
  for (const char* side : {run ? "native" : "baseline", run ? "container" : "candidate"}) {
    const std::string ps = json_check::at(p, side);
    const json& s = c.object(m, p, side);
    c.positive(s, ps, "median");
    c.integer(s, ps, "n", 1, int_max);
    if (run) c.samples(s, ps, "samples");
  }
  c.positive(m, p, "ratio");
  const json* lo = c.field(m, p, "ci_low", number_type | integer_type | null_type);
  const json* hi = c.field(m, p, "ci_high", number_type | integer_type | null_type);
  if (lo->is_null() != hi->is_null())
    c.fail(json_check::at(p, "ci_low"), "ci_low and ci_high must both be numbers or both null");
  if (run)
    c.one_of(m, p, "verdict", {"parity", "degraded", "better", "inconclusive"});
  else
    c.one_of(m, p, "verdict", {"no_regression", "regression", "improved", "inconclusive"});
  c.field(m, p, "decides", bool_type, false);
  const json* needed = c.field(m, p, "trials_needed", integer_type | null_type, false);
  if (needed && !needed->is_null()) c.integer(m, p, "trials_needed", 0, int_max);
  if (const json* t = c.field(m, p, "throttled_trials", object_type, false))
    for (const char* side : {"native", "container"})
      c.integer(*t, json_check::at(p, "throttled_trials"), side, 0, int_max);
}

// The verdict's fields every document with a verdict may carry.
void verdict_reason(const json_check& c, const json& doc, const std::string& p) {
  c.field(doc, p, "verdict_reason", string_type | null_type, false);
}

void comparison(const json_check& c, const json& doc, const std::string& p) {
  for (const char* who : {"baseline", "candidate"}) {
    const json& s = c.object(doc, p, who);
    const std::string ps = json_check::at(p, who);
    for (const char* k : {"source", "label", "gpu_name", "driver_version"}) c.text(s, ps, k);
    c.one_of(s, ps, "kind", {"run_report", "baseline", "google_benchmark"});
    c.field(s, ps, "side", string_type | null_type, false);
    c.strings(s, ps, "failed", false);
  }
  c.text(doc, p, "created_at");
  c.number(doc, p, "confidence", 0.0, 1.0, true, false);
  const json& checks = c.array(doc, p, "comparability");
  for (std::size_t i = 0; i < checks.size(); ++i) {
    const std::string pi = json_check::at(json_check::at(p, "comparability"), i);
    for (const char* k : {"check", "baseline", "candidate", "message"}) c.text(checks[i], pi, k);
    c.one_of(checks[i], pi, "severity", {"error", "warning", "info"});
  }
  const json& metrics = c.array(doc, p, "metrics");
  for (std::size_t i = 0; i < metrics.size(); ++i)
    judged_metric(c, metrics[i], json_check::at(json_check::at(p, "metrics"), i), false);
  c.strings(doc, p, "only_in_baseline");
  c.strings(doc, p, "only_in_candidate");
  c.one_of(doc, p, "verdict",
           {"no_regression", "regression", "inconclusive", "not_comparable", "error"});
  const long long code = c.integer(doc, p, "exit_code", 0, 5);
  if (code == 2) c.fail(json_check::at(p, "exit_code"), "2 is not an exit code of compare");
  verdict_reason(c, doc, p);
}

void trial(const json_check& c, const json& t, const std::string& p) {
  c.one_of(t, p, "side", {"native", "container"});
  c.integer(t, p, "index", 0, int_max);
  c.field(t, p, "warmup", bool_type);
  c.field(t, p, "error", string_type | null_type);
  const json* throttled = c.field(t, p, "throttled", bool_type, false);
  c.strings(t, p, "throttle_reasons", throttled && throttled->get<bool>());
  if (c.field(t, p, "t_start_seconds", number_type | integer_type, false))
    c.number(t, p, "t_end_seconds", 0.0, HUGE_VAL);
  c.number(t, p, "t_start_seconds", 0.0, HUGE_VAL, false, false);
  const json& programs = c.array(t, p, "programs");
  for (std::size_t i = 0; i < programs.size(); ++i) {
    const std::string pp = json_check::at(json_check::at(p, "programs"), i);
    const json& metrics = c.object(programs[i], pp, "metrics");
    for (const auto& [name, v] : metrics.items())
      c.number(metrics, json_check::at(pp, "metrics"), name.c_str(), 0.0, HUGE_VAL, true);
    const json& failures = c.array(programs[i], pp, "failures");
    for (std::size_t k = 0; k < failures.size(); ++k)
      for (const char* f : {"case", "status", "message"})
        c.text(failures[k], json_check::at(json_check::at(pp, "failures"), k), f);
  }
}

void telemetry(const json_check& c, const json& doc) {
  const json* tel = c.field(doc, "", "telemetry", object_type, false);
  if (!tel) return;
  const bool available = c.field(*tel, "telemetry", "available", bool_type)->get<bool>();
  c.field(*tel, "telemetry", "reason", string_type | null_type);
  if (const json* d = c.field(*tel, "telemetry", "device", object_type, available)) {
    for (const char* k : {"max_sm_clock_mhz", "power_limit_w"})
      c.number(*d, "telemetry.device", k, 0.0, HUGE_VAL, false, false);
    // The GPU's state (gpu_state.hpp), which the audit reads: each part optional.
    if (const json* st = c.field(*d, "telemetry.device", "state", object_type, false)) {
      if (st->contains("compute_mode"))
        c.one_of(*st, "telemetry.device.state", "compute_mode",
                 {"default", "exclusive_thread", "prohibited", "exclusive_process"});
      if (st->contains("mig_mode"))
        c.one_of(*st, "telemetry.device.state", "mig_mode", {"enabled", "disabled"});
      for (const char* k : {"other_compute_processes_at_start", "other_compute_processes_at_end"})
        c.integer(*st, "telemetry.device.state", k, 0, 1 << 20, false);
    }
  }
  if (!available) return;
  const json& rows = c.array(*tel, "telemetry", "samples");
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const std::string pr = json_check::at("telemetry.samples", i);
    c.type(rows[i], pr, array_type);
    if (rows[i].size() != 6) c.fail(pr, "a telemetry sample has 6 columns");
    for (std::size_t k = 0; k < 6; ++k) {
      c.type(rows[i][k], json_check::at(pr, k), number_type | integer_type);
      if (rows[i][k].get<double>() < 0) c.fail(json_check::at(pr, k), "below 0");
    }
  }
}

void run_report_rest(const json_check& c, const json& doc) {
  const json& sides = c.object(doc, "", "sides");
  for (const char* side : {"native", "container"}) {
    const json& s = c.object(sides, "sides", side);
    for (const auto& [k, v] : s.items())
      c.type(v, "sides." + std::string(side) + "." + k, string_type);
  }
  const json& costs = c.object(doc, "", "costs");
  if (const json* n = c.field(costs, "costs", "noop_start", object_type, false))
    for (const char* k : {"native_median_seconds", "container_median_seconds"})
      c.number(*n, "costs.noop_start", k, 0.0, HUGE_VAL);
  if (const json* t = c.field(doc, "", "trial_counts", object_type, false))
    for (const char* side : {"native", "container"})
      c.integer(*t, "trial_counts", side, 0, int_max, false);
  if (const json* t = c.field(doc, "", "timings", object_type, false))
    c.number(*t, "timings", "wall_seconds", 0.0, HUGE_VAL, false, false);
  telemetry(c, doc);
  if (const json* b = c.field(doc, "", "baseline_comparison", object_type, false)) {
    if (json_text(*b, "kind") != "gpuparity-comparison")
      c.fail("baseline_comparison.kind", "expected \"gpuparity-comparison\"");
    c.integer(*b, "baseline_comparison", "schema_version", comparison_schema_version,
              comparison_schema_version);
    comparison(c, *b, "baseline_comparison");
  }
}

void run_report(const json_check& c, const json& doc) {
  c.one_of(doc, "", "mode", {"native-vs-container", "native-vs-native"});
  c.text(doc, "", "started_at");
  c.field(doc, "", "finished_at", string_type, false);
  c.one_of(doc, "", "verdict", {"parity", "degraded", "inconclusive", "error"});
  c.integer(doc, "", "exit_code", 0, 5);
  c.field(doc, "", "error", string_type | null_type);
  verdict_reason(c, doc, "");
  if (const json* missing = c.field(doc, "", "missing_metrics", array_type, false))
    for (std::size_t i = 0; i < missing->size(); ++i) {
      const std::string p = json_check::at("missing_metrics", i);
      c.text((*missing)[i], p, "name");
      c.one_of((*missing)[i], p, "measured_on", {"native", "container"});
      c.field((*missing)[i], p, "explained", bool_type);
    }
  c.number(doc, "", "confidence", 0.0, 1.0, true, false);
  const json& rt = c.object(doc, "", "runtime");
  c.one_of(rt, "runtime", "kind", {"docker", "podman", "apptainer", "custom", "none"});
  c.text(rt, "runtime", "image");
  c.field(rt, "runtime", "version", string_type | null_type, false);
  const json& metrics = c.array(doc, "", "metrics");
  for (std::size_t i = 0; i < metrics.size(); ++i)
    judged_metric(c, metrics[i], json_check::at("metrics", i), true);
  const json& trials = c.array(doc, "", "trials");
  for (std::size_t i = 0; i < trials.size(); ++i) trial(c, trials[i], json_check::at("trials", i));
  const json& audit = c.array(doc, "", "audit");
  for (std::size_t i = 0; i < audit.size(); ++i) {
    const std::string p = json_check::at("audit", i);
    for (const char* k : {"id", "title", "native", "container", "fix"}) c.text(audit[i], p, k);
    c.one_of(audit[i], p, "severity", {"error", "warning", "info"});
  }
  run_report_rest(c, doc);
}

void baseline(const json_check& c, const json& doc) {
  c.text(doc, "", "created_at");
  c.field(doc, "", "side", string_type | null_type);
  const json& gpu = c.object(doc, "", "gpu");
  c.text(gpu, "gpu", "name");
  c.text(gpu, "gpu", "driver_version");
  for (const char* k : {"sm_clock_max_hz", "ecc_enabled", "power_limit_w"})
    c.field(gpu, "gpu", k, string_type, false);
  if (c.array(doc, "", "sources").empty()) c.fail("sources", "a baseline pools at least one run");
  const json& metrics = c.array(doc, "", "metrics");
  if (metrics.empty()) c.fail("metrics", "a baseline has at least one metric");
  for (std::size_t i = 0; i < metrics.size(); ++i) {
    identity(c, metrics[i], json_check::at("metrics", i));
    c.samples(metrics[i], json_check::at("metrics", i), "samples");
  }
  if (const json* d = c.field(doc, "", "dropped_metrics", array_type, false))
    for (std::size_t i = 0; i < d->size(); ++i)
      c.text((*d)[i], json_check::at("dropped_metrics", i), "name");
}

// The fields workload_output_from_json reads, with the types it expects.
void google_benchmark(const json_check& c, const json& doc) {
  c.field(doc, "", "context", object_type, false);
  const json& cases = c.array(doc, "", "benchmarks");
  const std::vector<const char*> counters = counter_names();
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const std::string p = json_check::at("benchmarks", i);
    c.text(cases[i], p, "name");
    for (const char* k : {"run_name", "run_type", "error_message", "skip_message"})
      c.field(cases[i], p, k, string_type, false);
    for (const char* k : {"error_occurred", "skipped"}) c.field(cases[i], p, k, bool_type, false);
    for (const char* k : counters)
      c.field(cases[i], p, k, number_type | integer_type, false);
  }
}

int schema_version_of(document_kind k) {
  switch (k) {
    case document_kind::run_report:
      return report_schema_version;
    case document_kind::comparison:
      return comparison_schema_version;
    case document_kind::baseline:
      return baseline_schema_version;
    case document_kind::google_benchmark:
      break;
  }
  return 0;
}

void check_version(const json& doc, document_kind kind, const std::string& source) {
  const int wanted = schema_version_of(kind);
  if (!wanted) return;  // Google Benchmark JSON carries no version of ours
  const std::string reads = "this gpuparity (" + std::string(gpuparity::version) + ") reads " +
                            document_kind_name(kind) + "s of schema version " +
                            std::to_string(wanted);
  const auto it = doc.find("schema_version");
  if (it == doc.end()) throw document_error(source + " has no schema_version; " + reads);
  if (!it->is_number_integer() || it->get<long long>() != wanted) {
    const bool newer = it->is_number() && it->get<double>() > wanted;
    throw document_error(
        source + " is a " + document_kind_name(kind) + " of schema_version " + it->dump() + "; " +
        reads + (newer ? ": read it with the gpuparity that wrote it, or a newer one" : ""));
  }
}

}  // namespace

const char* document_kind_name(document_kind k) {
  switch (k) {
    case document_kind::run_report:
      return "run report";
    case document_kind::comparison:
      return "comparison";
    case document_kind::baseline:
      return "baseline";
    case document_kind::google_benchmark:
      return "Google Benchmark JSON";
  }
  return "document";
}

document_kind kind_of(const json& doc, const std::string& source) {
  if (!doc.is_object()) throw document_error(source + " is not a JSON object");
  if (doc.contains("kind")) {
    const std::string k = json_text(doc, "kind");
    if (k == "gpuparity-baseline") return document_kind::baseline;
    if (k == "gpuparity-comparison") return document_kind::comparison;
    throw document_error(source + ": kind " + doc["kind"].dump() +
                         " is not one this gpuparity reads (gpuparity-baseline, "
                         "gpuparity-comparison, or a run report, which has no kind)");
  }
  if (doc.contains("benchmarks")) return document_kind::google_benchmark;
  if (doc.contains("mode") || doc.contains("sides") || doc.contains("trials"))
    return document_kind::run_report;
  throw document_error(source +
                       " is neither a gpuparity run report, comparison or baseline, nor Google "
                       "Benchmark JSON (--benchmark_format=json)");
}

void check_document(const json& doc, document_kind kind, const std::string& source) {
  check_version(doc, kind, source);
  const json_check c(source);
  switch (kind) {
    case document_kind::run_report:
      return run_report(c, doc);
    case document_kind::comparison:
      return comparison(c, doc, "");
    case document_kind::baseline:
      return baseline(c, doc);
    case document_kind::google_benchmark:
      return google_benchmark(c, doc);
  }
}

document load_document(const std::string& path) {
  json doc;
  try {
    doc = read_json_file(path);
  } catch (const json_file_error& e) {
    throw document_error(e.what());
  }
  const document_kind kind = kind_of(doc, path);
  check_document(doc, kind, path);
  if (kind == document_kind::run_report) json_check(path).text(doc, "", "finished_at");
  return {kind, std::move(doc)};
}

}  // namespace gpuparity::harness
