// The one reader of documents (documents.hpp): every committed document passes it; a
// document of another schema version, with a field of the wrong type or out of range, or
// a run report that says error, is refused with a message naming the file and the field.
#include "documents.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <limits>

#include "compare.hpp"
#include "json_util.hpp"
#include "measurements.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

const std::string results = GPUPARITY_RESULTS;
const std::string runs = results + "/NVIDIA_H100_80GB_HBM3/runs/";
const std::string long_run = runs + "parity-podman-long.report.json";
const std::string baseline_path = results + "/baselines/NVIDIA_H100_80GB_HBM3/baseline.json";
const std::string bench_json = std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json";

// The message check_document gives, or "" when it accepts the document.
std::string refusal(const json& doc, const std::string& source = "doc.json") {
  try {
    check_document(doc, kind_of(doc, source), source);
  } catch (const document_error& e) {
    return e.what();
  }
  return "";
}

std::string measurement_refusal(const json& doc, const std::string& side = "container") {
  try {
    measurements_from_json(doc, "doc.json", side);
  } catch (const measurement_error& e) {
    return e.what();
  }
  return "";
}

TEST(Documents, EveryCommittedDocumentPasses) {
  int n = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(results)) {
    const std::string p = e.path().string();
    // Schemas, simulations and fleet documents (outputs no command reads back;
    // validate_simulation.py and validate_reports.py check them against their schemas) are
    // not documents this loader serves.
    if (e.path().extension() != ".json" || p.find("/schema/") != std::string::npos ||
        p.find("/simulation/") != std::string::npos ||
        e.path().filename().string().find(".fleet.") != std::string::npos)
      continue;
    // A node report (gpuparity node) is an output too, checked against its schema by
    // validate_reports.py; its runs' reports beside it are run reports and load here.
    if (read_json_file(p).value("kind", "") == "gpuparity-node") continue;
    EXPECT_NO_THROW(load_document(p)) << p;
    ++n;
  }
  for (const char* f :
       {"h100-gpuparity-bench.json", "h100-gpuparity-torch.json", "nogpu-gpuparity-bench.json"})
    EXPECT_NO_THROW(load_document(std::string(GPUPARITY_TEST_DATA) + "/" + f)) << f;
  EXPECT_GE(n, 30);
  EXPECT_EQ(load_document(long_run).kind, document_kind::run_report);
  EXPECT_EQ(load_document(baseline_path).kind, document_kind::baseline);
  EXPECT_EQ(load_document(runs + "gate-run.comparison.json").kind, document_kind::comparison);
  EXPECT_EQ(load_document(bench_json).kind, document_kind::google_benchmark);
}

TEST(Documents, AnotherSchemaVersionIsRefusedNamingBoth) {
  for (const std::string& path : {long_run, baseline_path, runs + "gate-run.comparison.json"}) {
    auto doc = read_json_file(path);
    doc["schema_version"] = 2;
    const auto why = refusal(doc, path);
    EXPECT_NE(why.find(path + " is a "), std::string::npos) << why;
    EXPECT_NE(why.find("of schema_version 2; this gpuparity"), std::string::npos) << why;
    EXPECT_NE(why.find("of schema version 1"), std::string::npos) << why;
    doc.erase("schema_version");
    EXPECT_NE(refusal(doc, path).find("has no schema_version"), std::string::npos) << path;
    doc["schema_version"] = "1";
    EXPECT_NE(refusal(doc, path).find("of schema_version \"1\""), std::string::npos) << path;
  }
}

TEST(Documents, AWrongTypeNamesTheFieldPath) {
  auto doc = read_json_file(long_run);
  doc["metrics"][3]["container"]["samples"][2] = "fast";
  EXPECT_EQ(refusal(doc),
            "doc.json: metrics[3].container.samples[2]: expected a finite number, found string "
            "\"fast\"");
  doc = read_json_file(long_run);
  doc["trials"][1]["warmup"] = nullptr;
  EXPECT_EQ(refusal(doc), "doc.json: trials[1].warmup: expected true or false, found null");
  doc = read_json_file(long_run);
  doc["metrics"][0].erase("ratio");
  EXPECT_EQ(refusal(doc), "doc.json: metrics[0].ratio: missing (expected a finite number)");
  doc = read_json_file(long_run);
  doc["sides"] = json::array();
  EXPECT_EQ(refusal(doc), "doc.json: sides: expected an object, found array");
  doc = read_json_file(long_run);
  doc["metrics"][0]["native"]["n"] = 1e308;
  EXPECT_NE(refusal(doc).find("metrics[0].native.n: expected an integer"), std::string::npos);
}

// The GPU's state the audit reads (telemetry.device.state): optional, but typed when there.
TEST(Documents, TheGpuStateIsTypedWhenPresent) {
  auto doc = read_json_file(runs + "podman-2026-12-07/parity-podman-1.report.json");
  ASSERT_TRUE(doc["telemetry"]["available"].get<bool>());
  doc["telemetry"]["device"]["state"] = {{"compute_mode", "default"},
                                         {"other_compute_processes_at_start", 2}};
  EXPECT_EQ(refusal(doc), "");
  doc["telemetry"]["device"]["state"]["other_compute_processes_at_start"] = -1;
  EXPECT_NE(refusal(doc).find("telemetry.device.state.other_compute_processes_at_start"),
            std::string::npos)
      << refusal(doc);
  doc["telemetry"]["device"]["state"] = {{"compute_mode", 3}};
  EXPECT_NE(refusal(doc).find("telemetry.device.state.compute_mode"), std::string::npos)
      << refusal(doc);
}

TEST(Documents, SamplesMustBeFiniteAndAboveZero) {
  // (Infinity cannot come from a file: the parser refuses "1e999"; it can from memory.)
  for (const json& v : {json(0), json(-1.5), json(std::numeric_limits<double>::infinity())}) {
    auto doc = read_json_file(long_run);
    doc["metrics"][5]["native"]["samples"][0] = v;
    EXPECT_NE(refusal(doc).find("metrics[5].native.samples[0]"), std::string::npos) << v;
    auto b = read_json_file(baseline_path);
    b["metrics"][0]["samples"][1] = v;
    EXPECT_NE(refusal(b).find("metrics[0].samples[1]"), std::string::npos) << v;
  }
  auto doc = read_json_file(long_run);
  doc["metrics"][0]["container"]["samples"] = json::array();
  EXPECT_NE(refusal(doc).find("no sample"), std::string::npos);
}

// A latency said to be better when higher would turn every regression into a pass.
TEST(Documents, AnOrientationThatContradictsTheCounterIsRefused) {
  auto doc = read_json_file(long_run);
  for (auto& m : doc["metrics"])
    if (m["counter"] == "latency_seconds") m["higher_is_better"] = true;
  EXPECT_NE(refusal(doc).find("higher_is_better: true contradicts its counter latency_seconds"),
            std::string::npos);
  doc = read_json_file(long_run);
  doc["metrics"][1] = doc["metrics"][0];
  EXPECT_NE(measurement_refusal(doc).find("appears twice"), std::string::npos);
}

// A round trip's submission cost (gpuparity-bench's submit_seconds) is a known counter, lower
// is better: a report that judged it serves comparisons and baselines; said to be better
// when higher, it is refused; in workload output, of the wrong type, refused too. Its class
// is host (as `run` writes it now, paired, informational); a report that still names it
// latency (written before it moved) is read with today's class, like every metric.
TEST(Documents, ASubmissionCostIsAKnownLowerIsBetterCounter) {
  auto doc = read_json_file(long_run);
  json submit;
  for (const auto& m : doc["metrics"])
    if (m["name"] == "latency/launch:latency_seconds") submit = m;
  ASSERT_FALSE(submit.is_null());
  submit["name"] = "latency/launch:submit_seconds";
  submit["counter"] = "submit_seconds";
  submit["class"] = "host";
  submit["margin"] = 0.10;
  submit["decides"] = false;
  submit["comparison"] = "paired";
  doc["metrics"].push_back(submit);
  EXPECT_EQ(refusal(doc), "");
  const auto m = measurements_from_json(doc, "doc.json", "container");
  const auto& k = m.metrics.at("latency/launch:submit_seconds").kind;
  EXPECT_EQ(k.cls, metric_class::host);
  EXPECT_FALSE(k.higher_is_better);
  EXPECT_EQ(m.metrics.at("latency/launch:latency_seconds").kind.cls, metric_class::round_trip);
  auto older = doc;
  older["metrics"].back()["class"] = "latency";
  older["metrics"].back()["margin"] = 0.05;
  older["metrics"].back().erase("comparison");
  EXPECT_EQ(refusal(older), "");
  EXPECT_EQ(measurements_from_json(older, "doc.json", "container")
                .metrics.at("latency/launch:submit_seconds")
                .kind.cls,
            metric_class::host);
  doc["metrics"].back()["higher_is_better"] = true;
  EXPECT_NE(refusal(doc).find("higher_is_better: true contradicts its counter submit_seconds"),
            std::string::npos)
      << refusal(doc);
  auto bench = read_json_file(bench_json);
  for (auto& b : bench["benchmarks"])
    if (b["run_name"].get<std::string>().rfind("latency/launch/", 0) == 0)
      b["submit_seconds"] = 2e-6;
  EXPECT_EQ(refusal(bench), "");
  for (auto& b : bench["benchmarks"])
    if (b.contains("submit_seconds")) b["submit_seconds"] = "fast";
  EXPECT_NE(refusal(bench).find("submit_seconds"), std::string::npos) << refusal(bench);
}

TEST(Documents, ARunReportThatSaysErrorServesNoComparison) {
  auto doc = read_json_file(long_run);
  doc["verdict"] = "error";
  doc["error"] = "a container trial failed";
  doc["exit_code"] = 4;
  EXPECT_EQ(refusal(doc), "");  // a valid report, which `report` renders
  EXPECT_NE(measurement_refusal(doc).find("doc.json is a run report whose verdict is error (a "
                                          "container trial failed)"),
            std::string::npos);
  // The report `run` is still writing carries "error" until it is decided: no finished_at.
  doc.erase("finished_at");
  EXPECT_EQ(measurement_refusal(doc), "");
  // On disk, a run report must have finished.
  const auto path = ::testing::TempDir() + "unfinished_" + std::to_string(getpid()) + ".json";
  std::ofstream(path) << doc.dump();
  EXPECT_THROW(load_measurements(path, "container"), measurement_error);
  std::remove(path.c_str());
}

TEST(Documents, FailedBenchmarkCasesAreRecordedNotDropped) {
  auto doc = read_json_file(bench_json);
  doc["benchmarks"][2]["error_occurred"] = true;
  doc["benchmarks"][2]["error_message"] = "incorrect: max abs error 3.5";
  doc["benchmarks"][3]["error_occurred"] = true;
  doc["benchmarks"][3]["error_message"] = "not_supported: no FP8 on this GPU";
  const auto m = measurements_from_json(doc, "bench.json", "");
  ASSERT_EQ(m.failed.size(), 1u);  // not_supported is no failure, as in `run`
  EXPECT_EQ(m.failed[0], "stream/add: incorrect");
  EXPECT_EQ(m.describe()["failed"][0], "stream/add: incorrect");
  // Types workload_output_from_json would throw on are refused first.
  doc["benchmarks"][4]["error_occurred"] = "yes";
  EXPECT_NE(refusal(doc).find("benchmarks[4].error_occurred: expected true or false"),
            std::string::npos);
  doc = read_json_file(bench_json);
  doc["benchmarks"][0]["bytes_per_second"] = "3 TB/s";
  EXPECT_NE(refusal(doc).find("benchmarks[0].bytes_per_second"), std::string::npos);
}

TEST(Documents, ACaseThatFailedInARunReportIsRecorded) {
  auto doc = read_json_file(long_run);
  doc["trials"][3]["programs"][0]["failures"].push_back(
      {{"case", "stream/copy"}, {"status", "incorrect"}, {"message", "incorrect: 3 wrong"}});
  const auto side = doc["trials"][3]["side"].get<std::string>();
  for (const char* chosen : {"native", "container"}) {
    const auto m = measurements_from_json(doc, "doc.json", chosen);
    ASSERT_EQ(m.failed.size(), 1u) << chosen;
    EXPECT_EQ(m.failed[0], side + " stream/copy: incorrect");
  }
}

TEST(Documents, KindsAreRecognisedOrRefused) {
  EXPECT_NE(refusal(json::array()).find("is not a JSON object"), std::string::npos);
  EXPECT_NE(refusal(json{{"kind", "gpuparity-thing"}}).find("is not one this gpuparity reads"),
            std::string::npos);
  EXPECT_NE(refusal(json{{"x", 1}}).find("is neither"), std::string::npos);
  // A minimal run report: every missing field is named, never an abort.
  const json minimal = {{"schema_version", 1}, {"mode", "native-vs-native"}};
  EXPECT_EQ(refusal(minimal), "doc.json: started_at: missing (expected a string)");
  EXPECT_NE(measurement_refusal(read_json_file(runs + "gate-run.comparison.json"))
                .find("is a comparison"),
            std::string::npos);
}

}  // namespace
}  // namespace gpuparity::harness
