#pragma once
// Small helpers for the JSON documents the harness reads and writes.
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "stats.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

// o[key] as text: strings as they are, numbers and other values as JSON; `fallback`
// when o is not an object, or the key is absent or null.
std::string json_text(const nlohmann::ordered_json& o, const char* key,
                      const std::string& fallback = "");

struct json_file_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A document as written to disk: indented, newline-terminated. Text captured from workloads
// (stderr tails, messages) need not be UTF-8: invalid bytes become U+FFFD instead of
// making nlohmann::json throw.
std::string dump_document(const nlohmann::ordered_json& doc);

// Reads and parses a JSON file; throws json_file_error naming the path and the problem.
nlohmann::ordered_json read_json_file(const std::string& path);

// A metric's name, counter, class and orientation, as every document writes them.
nlohmann::ordered_json metric_identity(const metric_value& kind);

// The reverse, from such a document's metric entry (class re-derived from the name).
metric_value metric_from_identity(const nlohmann::ordered_json& entry);

// A metric's "ratio", "ci_low" and "ci_high" (null without an interval).
void put_interval(nlohmann::ordered_json& metric, const ratio_interval& r);

// The margins object of reports and comparisons.
nlohmann::ordered_json margins_json(const class_margins& m);

// {"name": "gpuparity", "version", "git_revision"}: who wrote a document.
nlohmann::ordered_json producer_json();

// Now, UTC, as 2026-11-22T19:11:03Z.
std::string now_iso();

// Which document this is: a `gpuparity run` report, a `gpuparity compare` document.
bool is_run_report(const nlohmann::ordered_json& doc);
bool is_comparison(const nlohmann::ordered_json& doc);

}  // namespace gpuparity::harness
