#pragma once
// Per-metric samples read back from a document gpuparity or a workload wrote: a `run`
// report (one side's trials), a baseline, or plain Google Benchmark JSON from
// gpuparity-bench / gpuparity-torch (one sample per repetition). `compare` and
// `baseline` work on these.
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "json_check.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

struct metric_series {
  metric_value kind;  // name, counter, class, orientation (value unused)
  std::vector<double> samples;
};

// The facts that decide whether two measurement sets are comparable.
struct hardware_facts {
  std::string gpu_name, gpu_uuid, driver_version, sm_clock_max_hz, ecc_enabled, power_limit_w;
};

struct measurement_set {
  std::string source;  // the file it came from
  std::string kind;    // "run_report", "baseline" or "google_benchmark"
  std::string side;    // the side of a run report ("" otherwise)
  std::string label;   // image, runtime or program: what was measured, for people
  std::string measured_at;
  hardware_facts facts;
  std::map<std::string, metric_series> metrics;
  // What forbids a pass on this document's evidence: cases that failed or were incorrect
  // ("stream/copy: incorrect"), a run report's audit findings of severity error, and those
  // saying its measurement was disturbed (decision.hpp's audit_gaps_of).
  std::vector<std::string> failed;
  std::vector<std::string> audit_errors;
  std::vector<std::string> disturbed;

  nlohmann::ordered_json describe() const;  // for the documents that cite it
};

// A document that cannot serve: unreadable, not JSON, of no known kind or version, a field
// of the wrong type, a run report whose verdict is error, no metrics on the side asked for.
using measurement_error = document_error;

// side: "native" or "container" for run reports (ignored for the other kinds). Both check
// the document (documents.hpp) before reading it. A run report without "finished_at" is
// the one `run` is still writing (its verdict not yet decided); on disk one is refused.
measurement_set load_measurements(const std::string& path, const std::string& side);
measurement_set measurements_from_json(const nlohmann::ordered_json& doc, const std::string& source,
                                       const std::string& side);

// "NVIDIA H100 80GB HBM3" -> "NVIDIA_H100_80GB_HBM3", for folder names.
std::string folder_name(const std::string& gpu_name);

}  // namespace gpuparity::harness
