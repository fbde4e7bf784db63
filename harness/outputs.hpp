#pragma once
// The report in the formats other tools read: JUnit XML (CI test reporters), the
// Prometheus text exposition format (node_exporter's textfile collector), Markdown (PR
// comments) and a self-contained HTML page. Each takes a `run` report or a `compare`
// document as written to disk; a run report's baseline comparison is included.
#include <nlohmann/json.hpp>
#include <string>

namespace gpuparity::harness {

std::string junit_xml(const nlohmann::ordered_json& doc);
std::string prometheus_text(const nlohmann::ordered_json& doc);
std::string markdown_summary(const nlohmann::ordered_json& doc);
std::string html_page(const nlohmann::ordered_json& doc);

// Escapes for XML/HTML text and attribute values.
std::string xml_escape(const std::string& s);

// "95% CI" for run reports, "90% CI" for comparisons (their "confidence").
std::string ci_label(const nlohmann::ordered_json& doc);

}  // namespace gpuparity::harness
