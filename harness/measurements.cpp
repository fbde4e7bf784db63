#include "measurements.hpp"

#include <cctype>

#include "decision.hpp"
#include "documents.hpp"
#include "json_util.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

// One metric's entry of a checked report or baseline, with its samples (`samples` of the
// entry, or of one side of it). A name twice would let one entry hide the other.
void add_series(const json& entry, const json& samples, const std::string& path,
                measurement_set& m) {
  metric_series s;
  s.kind = metric_from_identity(entry);
  for (const auto& v : samples) s.samples.push_back(v.get<double>());
  if (!m.metrics.emplace(s.kind.name, std::move(s)).second)
    throw measurement_error(m.source + ": " + path + ": the metric " + entry["name"].dump() +
                            " appears twice");
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

// Failed trials and cases of either side, and the audit's errors: a run that reported a
// speed next to a wrong answer (on any side) must not pass.
void gaps_of_run(const json& doc, measurement_set& m) {
  for (const auto& t : doc["trials"]) {
    const std::string side = t["side"];
    if (t["error"].is_string())
      m.failed.push_back(side + " trial " + t["index"].dump() + ": " +
                         t["error"].get<std::string>());
    for (const auto& p : t["programs"])
      for (const auto& f : p["failures"])
        if (f["status"] != "not_supported")
          m.failed.push_back(side + " " + f["case"].get<std::string>() + ": " +
                             f["status"].get<std::string>());
  }
  auto gaps = audit_gaps_of(doc["audit"]);
  m.audit_errors = std::move(gaps.errors);
  m.disturbed = std::move(gaps.disturbed);
}

void from_run_report(const json& doc, const std::string& side, measurement_set& m) {
  if (side != "native" && side != "container")
    throw measurement_error("--side must be native or container, not '" + side + "'");
  m.side = side;
  const std::string why = json_text(doc, "verdict_reason", json_text(doc, "error"));
  // A finished run that says error decided nothing; its numbers are no evidence.
  if (doc.contains("finished_at") && doc["verdict"] == "error")
    throw measurement_error(m.source + " is a run report whose verdict is error" +
                            (why.empty() ? "" : " (" + why + ")") +
                            ": fix what it names and run again");
  m.label = json_text(doc["runtime"], "image");
  if (m.label.empty()) m.label = json_text(doc, "mode");
  m.measured_at = json_text(doc, "started_at");
  m.facts = facts_from_context(doc["sides"][side]);
  if (doc.contains("telemetry") && doc["telemetry"].contains("device"))
    m.facts.power_limit_w = json_text(doc["telemetry"]["device"], "power_limit_w");
  gaps_of_run(doc, m);
  const auto& metrics = doc["metrics"];
  for (std::size_t i = 0; i < metrics.size(); ++i)
    add_series(metrics[i], metrics[i][side]["samples"], "metrics[" + std::to_string(i) + "]", m);
  if (m.metrics.empty())
    throw measurement_error(m.source + " has no measured metrics on its " + side +
                            " side (its verdict is " + json_text(doc, "verdict") +
                            (why.empty() ? "" : ": " + why) + ")");
}

void from_baseline(const json& doc, measurement_set& m) {
  m.side = json_text(doc, "side");
  m.label = "baseline of " + std::to_string(doc["sources"].size()) + " runs";
  m.measured_at = json_text(doc, "created_at");
  const json& g = doc["gpu"];
  m.facts.gpu_name = json_text(g, "name");
  m.facts.driver_version = json_text(g, "driver_version");
  m.facts.sm_clock_max_hz = json_text(g, "sm_clock_max_hz");
  m.facts.ecc_enabled = json_text(g, "ecc_enabled");
  m.facts.power_limit_w = json_text(g, "power_limit_w");
  const auto& metrics = doc["metrics"];
  for (std::size_t i = 0; i < metrics.size(); ++i)
    add_series(metrics[i], metrics[i]["samples"], "metrics[" + std::to_string(i) + "]", m);
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
  // As in `run`: a case this GPU does not support is no failure; any other is.
  for (const auto& f : w.failures)
    if (f.status != "not_supported") m.failed.push_back(f.case_name + ": " + f.status);
  if (m.metrics.empty())
    throw measurement_error(m.source + " has no passed case" +
                            (w.failures.empty()
                                 ? ""
                                 : " (first failure: " + w.failures.front().case_name + ": " +
                                       w.failures.front().message + ")"));
}

}  // namespace

json measurement_set::describe() const {
  json d = {{"source", source},
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
  if (!failed.empty()) d["failed"] = failed;
  return d;
}

measurement_set measurements_from_json(const json& doc, const std::string& source,
                                       const std::string& side) {
  measurement_set m;
  m.source = source;
  const document_kind kind = kind_of(doc, source);
  if (kind == document_kind::comparison)
    throw measurement_error(source +
                            " is a comparison (gpuparity compare's output): compare and baseline "
                            "read run reports, baselines and Google Benchmark JSON");
  check_document(doc, kind, source);
  if (kind == document_kind::baseline) {
    m.kind = "baseline";
    from_baseline(doc, m);
  } else if (kind == document_kind::run_report) {
    m.kind = "run_report";
    from_run_report(doc, side, m);
  } else {
    m.kind = "google_benchmark";
    from_benchmark_json(doc, m);
  }
  return m;
}

measurement_set load_measurements(const std::string& path, const std::string& side) {
  return measurements_from_json(load_document(path).body, path, side);
}

std::string folder_name(const std::string& gpu_name) {
  std::string out;
  for (char c : gpu_name) out += std::isalnum(static_cast<unsigned char>(c)) || c == '-' ? c : '_';
  return out.empty() ? "unknown_gpu" : out;
}

}  // namespace gpuparity::harness
