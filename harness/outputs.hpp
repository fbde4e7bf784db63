#pragma once
// The report in the formats other tools read: JUnit XML (CI test reporters), the
// Prometheus text exposition format (node_exporter's textfile collector), Markdown (PR
// comments) and a self-contained HTML page. Each takes a `run` report or a `compare`
// document as written to disk; a run report's baseline comparison is included.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

std::string junit_xml(const nlohmann::ordered_json& doc);
std::string prometheus_text(const nlohmann::ordered_json& doc);
std::string markdown_summary(const nlohmann::ordered_json& doc);
std::string html_page(const nlohmann::ordered_json& doc);

// What a document did not judge, which every rendering lists: each metric measured on one
// side only (a comparison's only_in_baseline and only_in_candidate, a run report's
// missing_metrics).
struct unjudged_metric {
  std::string name;
  std::string missing_on;  // the side or document that lacks it
  bool blocking;           // it forbids a pass (unexplained, or not measured by the candidate)
  std::string text;        // for people: "measured on native only (unexplained)"
};
std::vector<unjudged_metric> unjudged_metrics(const nlohmann::ordered_json& doc);

// Why the verdict is not a pass: "verdict_reason", else (older documents) "error"; "" if none.
std::string verdict_reason_of(const nlohmann::ordered_json& doc);

// The Prometheus text format's pieces: a label value escaped (backslash, quote, newline)
// and a sample value ("NaN" for NaN, else %.17g).
std::string label_value(const std::string& s);
std::string prom_number(double v);

// Escapes for XML/HTML text and attribute values.
std::string xml_escape(const std::string& s);

// "90% CI" for comparisons (their "confidence"), "99% CI" for run reports made before the
// sequential rule, "CI (95% at plan)" for those made with it (each metric's look has its own).
std::string ci_label(const nlohmann::ordered_json& doc);

}  // namespace gpuparity::harness
