#pragma once
// How every rendering presents the audit's findings: those that say what is wrong and what
// to do (errors, and findings that explain a degraded or failed metric) lead, ahead of any
// table; the rest (other_differences, warnings that explain nothing measured) follow it.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

// Whether a finding of a report's "audit" leads: an error, or one that explains a metric.
bool finding_leads(const nlohmann::ordered_json& finding);

// The report's findings that lead, or the rest, in the report's order (the audit puts
// errors first, then what explains something).
std::vector<const nlohmann::ordered_json*> findings_of(const nlohmann::ordered_json& doc,
                                                       bool leading);

// The first leading finding whose "explains" names the metric; nullptr when none does.
const nlohmann::ordered_json* finding_explaining(const nlohmann::ordered_json& doc,
                                                 const std::string& metric);

// "cpu_quota: the container runs under ... Fix: ..." for the first finding that explains
// the metric, "" when none does: a failing metric's test case names its cause.
std::string cause_of_metric(const nlohmann::ordered_json& doc, const std::string& metric);

}  // namespace gpuparity::harness
