#include "measurements.hpp"

#include <cctype>

#include "json_util.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

// One metric's entry of a report or baseline, with its samples (`samples` of the entry,
// or of one side of it); nothing when it has no name or no sample.
void add_series(const json& entry, const json& samples, measurement_set& m) {
  metric_series s;
  s.kind = metric_from_identity(entry);
  if (samples.is_array())
    for (const auto& v : samples)
      if (v.is_number()) s.samples.push_back(v.get<double>());
  if (!s.kind.name.empty() && !s.samples.empty()) m.metrics[s.kind.name] = std::move(s);
}

hardware_facts facts_from_context(const json& c) {
  hardware_facts f;
  f.gpu_name = json_text(c, "gpu_name");
  f.gpu_uuid = json_text(c, "gpu_uuid");
  f.driver_version = json_text(c, "env_nvml_driver_version");
  if (f.driver_version.empty() || f.driver_version == "unavailable")
    f.driver_version = json_text(c, "env_libcuda_version");
  f.sm_clock_max_hz = json_text(c, "gpu_sm_clock_max_hz");
  f.ecc_enabled = json_text(c, "gpu_ecc_enabled");
  return f;
}

void from_run_report(const json& doc, const std::string& side, measurement_set& m) {
  if (side != "native" && side != "container")
    throw measurement_error("--side must be native or container, not '" + side + "'");
  m.side = side;
  m.label = json_text(doc["runtime"], "image");
  if (m.label.empty()) m.label = json_text(doc, "mode");
  m.measured_at = json_text(doc, "started_at");
  if (doc.contains("sides") && doc["sides"].contains(side))
    m.facts = facts_from_context(doc["sides"][side]);
  if (doc.contains("telemetry") && doc["telemetry"].contains("device"))
    m.facts.power_limit_w = json_text(doc["telemetry"]["device"], "power_limit_w");
  for (const auto& x : doc["metrics"])
    add_series(x, x.contains(side) ? x[side].value("samples", json::array()) : json::array(), m);
  if (m.metrics.empty())
    throw measurement_error(
        m.source + " has no measured metrics (its verdict is " + json_text(doc, "verdict") +
        (json_text(doc, "error").empty() ? "" : ": " + json_text(doc, "error")) + ")");
}

void from_baseline(const json& doc, measurement_set& m) {
  m.side = json_text(doc, "side");
  m.label = "baseline of " + std::to_string(doc.value("sources", json::array()).size()) + " runs";
  m.measured_at = json_text(doc, "created_at");
  const json& g = doc.value("gpu", json::object());
  m.facts.gpu_name = json_text(g, "name");
  m.facts.driver_version = json_text(g, "driver_version");
  m.facts.sm_clock_max_hz = json_text(g, "sm_clock_max_hz");
  m.facts.ecc_enabled = json_text(g, "ecc_enabled");
  m.facts.power_limit_w = json_text(g, "power_limit_w");
  for (const auto& x : doc["metrics"]) add_series(x, x.value("samples", json::array()), m);
  if (m.metrics.empty()) throw measurement_error(m.source + ": the baseline has no metrics");
}

void from_benchmark_json(const json& doc, measurement_set& m) {
  const workload_output w = workload_output_from_json(doc);
  if (!w.parsed) throw measurement_error(m.source + ": " + w.parse_error);
  json context = json::object();
  for (const auto& [k, v] : w.context) context[k] = v;
  m.facts = facts_from_context(context);
  m.label = json_text(context, "gpuparity_program");
  m.measured_at = json_text(context, "date");
  for (const auto& v : w.metrics) {
    auto& s = m.metrics[v.name];
    s.kind = v;
    s.samples.push_back(v.value);
  }
  if (m.metrics.empty())
    throw measurement_error(m.source + " has no passed case" +
                            (w.failures.empty()
                                 ? ""
                                 : " (first failure: " + w.failures.front().case_name + ": " +
                                       w.failures.front().message + ")"));
}

}  // namespace

json measurement_set::describe() const {
  return {{"source", source},
          {"kind", kind},
          {"side", side.empty() ? json(nullptr) : json(side)},
          {"label", label},
          {"measured_at", measured_at},
          {"gpu_name", facts.gpu_name},
          {"gpu_uuid", facts.gpu_uuid},
          {"driver_version", facts.driver_version},
          {"sm_clock_max_hz", facts.sm_clock_max_hz},
          {"ecc_enabled", facts.ecc_enabled},
          {"power_limit_w", facts.power_limit_w}};
}

measurement_set measurements_from_json(const json& doc, const std::string& source,
                                       const std::string& side) {
  measurement_set m;
  m.source = source;
  if (!doc.is_object()) throw measurement_error(source + " is not a JSON object");
  if (doc.value("kind", "") == "gpuparity-baseline") {
    m.kind = "baseline";
    from_baseline(doc, m);
  } else if (is_run_report(doc)) {
    m.kind = "run_report";
    from_run_report(doc, side, m);
  } else if (doc.contains("benchmarks")) {
    m.kind = "google_benchmark";
    from_benchmark_json(doc, m);
  } else {
    throw measurement_error(source +
                            " is neither a gpuparity report, a baseline, nor Google Benchmark "
                            "JSON (--benchmark_format=json)");
  }
  return m;
}

measurement_set load_measurements(const std::string& path, const std::string& side) {
  json doc;
  try {
    doc = read_json_file(path);
  } catch (const json_file_error& e) {
    throw measurement_error(e.what());
  }
  return measurements_from_json(doc, path, side);
}

std::string folder_name(const std::string& gpu_name) {
  std::string out;
  for (char c : gpu_name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return out.empty() ? "unknown_gpu" : out;
}

}  // namespace gpuparity::harness
