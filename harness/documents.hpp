#pragma once
// The one reader of documents from disk. Every document gpuparity reads (a `run` report, a
// `compare` document, a baseline, a workload's Google Benchmark JSON) passes here before
// any code touches its fields: its kind is recognised, its schema version checked, and
// every field gpuparity reads checked for type and range (finite numbers, samples above 0).
// The reference for what each holds: results/schema/*.schema.json.
#include <nlohmann/json.hpp>
#include <string>

#include "json_check.hpp"

namespace gpuparity::harness {

enum class document_kind { run_report, comparison, baseline, google_benchmark };

// "run report", "comparison", "baseline", "Google Benchmark JSON": for messages.
const char* document_kind_name(document_kind k);

// Which kind of document this is, by its markers ("kind"; "benchmarks"; "mode", "sides" or
// "trials"); throws document_error when it is none of them.
document_kind kind_of(const nlohmann::ordered_json& doc, const std::string& source);

// The schema version (run reports, comparisons and baselines: this gpuparity reads version
// 1 of each) and every field gpuparity reads; throws document_error naming the file and the
// field. A run report's "finished_at" is not required here: `run` checks the report it is
// still writing (load_document requires it of a report on disk).
void check_document(const nlohmann::ordered_json& doc, document_kind kind,
                    const std::string& source);

struct document {
  document_kind kind;
  nlohmann::ordered_json body;
};

// Read, parsed, recognised and checked; a run report on disk must have finished.
document load_document(const std::string& path);

}  // namespace gpuparity::harness
