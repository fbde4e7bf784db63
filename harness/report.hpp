#pragma once
// The JSON report's schema version and the human summary.
#include <nlohmann/json.hpp>
#include <string>

namespace gpuparity::harness {

inline constexpr int report_schema_version = 1;

// Writes a report (or any document) as dump_document() text by the rules of output_path.hpp
// (a regular file atomically, "-" to standard output); returns an error message or "".
std::string write_report(const std::string& path, const nlohmann::ordered_json& report);

// The table printed on stdout: metric, native, container, ratio, CI, verdict.
std::string summary_table(const nlohmann::ordered_json& report);

// "3.03 TB/s", "9.12 us": a value of a counter for humans.
std::string format_value(const std::string& counter, double v);

// v with `digits` decimals.
std::string fixed_text(double v, int digits);

// A metric's interval as "[0.9871, 1.0042]", or "-" without one.
std::string interval_text(const nlohmann::ordered_json& metric);

}  // namespace gpuparity::harness
