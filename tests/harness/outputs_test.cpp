// The JUnit, Prometheus, Markdown and HTML renderings of real H100 reports. Their
// consumers (xmllint, promtool, chromium) check them too: tests/harness/check_outputs.py.
#include "outputs.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <sstream>

#include "compare.hpp"
#include "json_util.hpp"
#include "measurements.hpp"
#include "report.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/";

json read(const std::string& name) { return read_json_file(runs + name); }

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

TEST(Junit, DegradedMetricsAreFailuresWithEvidence) {
  const auto x = junit_xml(read("cpu-quota-podman.report.json"));
  EXPECT_EQ(count(x, "<testcase "), 3 + 4);  // three metrics, four audit findings
  EXPECT_EQ(count(x, "<failure type=\"degraded\""), 3);
  EXPECT_NE(x.find("name=\"latency/launch:latency_seconds\""), std::string::npos);
  EXPECT_NE(x.find("ratio 0.05"), std::string::npos);
  EXPECT_NE(x.find("<testsuites name=\"gpuparity\" tests=\"7\" failures=\"3\" errors=\"0\""),
            std::string::npos)
      << x.substr(0, 300);
}

TEST(Junit, AnErrorRunIsAnErrorCaseAndItsAuditAFailure) {
  const auto x = junit_xml(read("podman-gpus-flag.report.json"));
  EXPECT_EQ(count(x, "<error type=\"error\""), 1);
  EXPECT_EQ(count(x, "<failure type=\"audit\""), 1);  // no GPU in the container
  EXPECT_NE(x.find("use CDI instead"), std::string::npos);
}

TEST(Junit, InconclusiveIsSkippedNotPassed) {
  const auto doc = read("parity-podman-long.report.json");
  int inconclusive = 0;
  for (const auto& m : doc["metrics"]) inconclusive += m["verdict"] == "inconclusive";
  ASSERT_GT(inconclusive, 0);
  const auto x = junit_xml(doc);
  EXPECT_EQ(count(x, "<skipped "), inconclusive);
  EXPECT_EQ(count(x, "<failure "), 0);
}

TEST(Junit, EscapesMarkup) {
  EXPECT_EQ(xml_escape("a<b & \"c\" 'd'>\x01"), "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt; ");
}

TEST(Prometheus, OneGaugePerMetricAndSideAndVerdictStateSets) {
  const auto doc = read("parity-podman-long.report.json");
  const auto p = prometheus_text(doc);
  const std::size_t n = doc["metrics"].size();
  EXPECT_EQ(static_cast<std::size_t>(count(p, "\ngpuparity_metric_value{")), 2 * n);
  EXPECT_EQ(static_cast<std::size_t>(count(p, "\ngpuparity_metric_verdict{")), 5 * n);
  EXPECT_NE(p.find("gpuparity_run_verdict{gpu=\"NVIDIA H100 80GB HBM3\",driver=\"580.159.04\","
                   "image=\"localhost/gpuparity/prebuilt:0.1.0\",runtime=\"podman\","
                   "gpu_name=\"NVIDIA H100 80GB HBM3\","
                   "gpu_uuid=\"GPU-1092f92e-a7e4-e13b-6f8b-dbf19f1a31c8\","
                   "verdict=\"inconclusive\"} 1"),
            std::string::npos)
      << p;
  // Every sample line: name{labels} value.
  const std::regex line(R"(^[a-z_]+\{([a-z_]+="([^"\\]|\\.)*",?)+\} -?[0-9.e+-]+$)");
  std::istringstream s(p);
  int samples = 0;
  for (std::string l; std::getline(s, l);) {
    if (l.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(l, line)) << l;
    ++samples;
  }
  EXPECT_GT(samples, 0);
}

// Every series of a run carries its GPU (model, UUID, and the index --gpus selected), so
// runs on several GPUs of one node are separate series; label values stay escaped.
TEST(Prometheus, EverySeriesNamesTheRunsGpu) {
  auto doc = read("parity-podman-long.report.json");
  const std::string uuid = "GPU-1092f92e-a7e4-e13b-6f8b-dbf19f1a31c8";
  const auto lines_of = [](const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream s(text);
    for (std::string l; std::getline(s, l);)
      if (l.rfind("# ", 0) != 0) lines.push_back(l);
    return lines;
  };
  const auto by_default = prometheus_text(doc);
  for (const auto& l : lines_of(by_default)) {
    EXPECT_NE(l.find(",gpu_uuid=\"" + uuid + "\""), std::string::npos) << l;
    EXPECT_EQ(l.find("gpu_index="), std::string::npos) << "no index was selected: " << l;
  }
  doc["config"]["gpus"] = {{"selection", "3"}, {"selected_by", "index"}};
  const auto by_index = prometheus_text(doc);
  for (const auto& l : lines_of(by_index)) {
    EXPECT_NE(l.find(",gpu_uuid=\"" + uuid + "\",gpu_index=\"3\""), std::string::npos) << l;
  }
  // A UUID selection labels the run with it even where no workload reported one (an error
  // run before any trial).
  const std::string selected = "GPU-00000000-0000-0000-0000-000000000001";
  doc["config"]["gpus"] = {{"selection", selected}, {"selected_by", "uuid"}};
  doc["sides"]["native"] = {{"gpu_name", "NVIDIA \"H100\" \\ 80GB\nHBM3"}};
  const auto by_uuid = prometheus_text(doc);
  const std::regex line(R"(^[a-z_]+\{([a-z_]+="([^"\\]|\\.)*",?)+\} -?[0-9.e+-]+$)");
  for (const auto& l : lines_of(by_uuid)) {
    EXPECT_NE(
        l.find("gpu_name=\"NVIDIA \\\"H100\\\" \\\\ 80GB\\nHBM3\",gpu_uuid=\"" + selected + "\""),
        std::string::npos)
        << l;
    EXPECT_TRUE(std::regex_match(l, line)) << l;
  }
  // Two GPUs of one node: no series of one is a series of the other.
  const auto a = lines_of(by_default), b = lines_of(by_uuid);
  const std::set<std::string> series_a(a.begin(), a.end());
  for (const auto& l : b) {
    const auto key = l.substr(0, l.rfind(' '));
    for (const auto& m : series_a) EXPECT_NE(m.substr(0, m.rfind(' ')), key);
  }
}

TEST(Markdown, TableRowPerMetricAndTheVerdict) {
  const auto doc = read("cpu-quota-podman.report.json");
  const auto md = markdown_summary(doc);
  EXPECT_NE(md.find("## gpuparity run: **degraded**"), std::string::npos);
  EXPECT_EQ(count(md, "\n| `"), 3);
  EXPECT_NE(md.find("**degraded**"), std::string::npos);
  EXPECT_NE(md.find("CPU quota"), std::string::npos);
}

// Values as the summary, Markdown and HTML tables show them: a round trip's submission cost
// (a few microseconds) in microseconds like the round trip, not as "0.0000 s".
TEST(Units, TimingsOfMicrosecondsAreShownInMicroseconds) {
  EXPECT_EQ(format_value("submit_seconds", 2.6991e-6), "2.699 us");
  EXPECT_EQ(format_value("latency_seconds", 8.997e-6), "8.997 us");
  EXPECT_EQ(format_value("seconds", 0.1841), "0.1841 s");
  EXPECT_EQ(format_value("bytes_per_second", 3.0351e12), "3035.1 GB/s");
}

TEST(Html, ChartPerClassScatterPerMetricNoScript) {
  const auto doc = read("parity-podman-long.report.json");
  const auto h = html_page(doc);
  std::set<std::string> classes;
  for (const auto& m : doc["metrics"]) classes.insert(m["class"].get<std::string>());
  EXPECT_EQ(static_cast<std::size_t>(count(h, "<svg class=\"forest\"")), classes.size());
  EXPECT_EQ(static_cast<std::size_t>(count(h, "<svg class=\"scatter\"")), doc["metrics"].size());
  EXPECT_EQ(h.find("<script"), std::string::npos);
  EXPECT_EQ(h.find("http://"), std::string::npos);  // self-contained: nothing to fetch
  EXPECT_EQ(h.find("https://"), std::string::npos);
  EXPECT_NE(h.find("Telemetry unavailable"), std::string::npos);  // this run predates it
}

TEST(Renderings, WorkOnAComparisonToo) {
  const auto c = load_measurements(runs + "parity-podman-long.report.json", "container");
  const auto cmp = compare_measurements(c, c, class_margins{});
  EXPECT_NE(junit_xml(cmp).find("gpuparity.regression."), std::string::npos);
  EXPECT_NE(prometheus_text(cmp).find("gpuparity_compare_verdict{"), std::string::npos);
  EXPECT_NE(markdown_summary(cmp).find("| ratio | 90% CI |"), std::string::npos);
  EXPECT_NE(html_page(cmp).find("<svg class=\"forest\""), std::string::npos);
}

// A comparison of a candidate that measured 1 of 28 metrics: every rendering names the 27
// others and the reason, not only the one judged.
TEST(Renderings, ListWhatAComparisonDidNotJudge) {
  auto one = read("parity-podman-long.report.json");
  json kept = json::array();
  for (const auto& m : one["metrics"])
    if (m["name"] == "stream/copy:bytes_per_second") kept.push_back(m);
  one["metrics"] = kept;
  const auto base = load_measurements(runs + "parity-podman-long.report.json", "container");
  const auto cmp = compare_measurements(base, measurements_from_json(one, "one.json", "container"),
                                        class_margins{});
  ASSERT_EQ(cmp["only_in_baseline"].size(), 27u);
  const std::string missing = "compute/fp64:flop_per_second";
  const auto x = junit_xml(cmp), p = prometheus_text(cmp), md = markdown_summary(cmp),
             h = html_page(cmp);
  EXPECT_EQ(count(x, "<failure type=\"missing\""), 27);
  EXPECT_NE(x.find("name=\"" + missing + "\""), std::string::npos);
  EXPECT_NE(x.find("<error type=\"error\" message=\"27 metric(s) measured on one side only"),
            std::string::npos);
  EXPECT_EQ(count(p, "\ngpuparity_compare_metric_missing{"), 27);
  EXPECT_NE(p.find("metric=\"" + missing + "\",side=\"candidate\",blocking=\"true\"} 1"),
            std::string::npos);
  EXPECT_NE(p.find("gpuparity_compare_verdict{gpu=\"NVIDIA H100 80GB HBM3\""), std::string::npos);
  EXPECT_NE(p.find("verdict=\"error\"} 1"), std::string::npos);
  EXPECT_NE(md.find("**Why:** 27 metric(s) measured on one side only"), std::string::npos);
  EXPECT_EQ(count(md, ": only in the baseline: the candidate did not measure it"), 27);
  EXPECT_LT(md.find("**Not judged**"), md.find("| metric |"));  // near the top
  EXPECT_EQ(count(h, "<li class=\"blocking\"><code>"), 27);
  EXPECT_LT(h.find("Not judged"), h.find("<svg"));
  // Only in the candidate: skipped, not failed.
  const auto rev = compare_measurements(measurements_from_json(one, "one.json", "container"), base,
                                        class_margins{});
  EXPECT_EQ(count(junit_xml(rev), "<skipped message=\"not judged: only in the candidate"), 27);
}

// verdict_reason and missing_metrics, which `run` writes: listed in every rendering.
TEST(Renderings, ListARunsMissingMetrics) {
  auto doc = read("parity-podman-long.report.json");
  doc["verdict"] = "error";
  doc["exit_code"] = 4;
  doc["verdict_reason"] = "2 metric(s) measured on one side only: a:seconds, b:bytes_per_second";
  doc["missing_metrics"] = json::array(
      {{{"name", "a:seconds"}, {"measured_on", "native"}, {"explained", false}},
       {{"name", "b:bytes_per_second"}, {"measured_on", "container"}, {"explained", true}}});
  const auto x = junit_xml(doc), p = prometheus_text(doc), md = markdown_summary(doc),
             h = html_page(doc);
  EXPECT_NE(x.find("<testcase classname=\"gpuparity.parity.missing\" name=\"a:seconds\" "
                   "time=\"0\">\n      <failure type=\"missing\""),
            std::string::npos)
      << x;
  EXPECT_NE(x.find("name=\"b:bytes_per_second\" time=\"0\">\n      <skipped"), std::string::npos);
  EXPECT_NE(x.find("message=\"2 metric(s) measured on one side only"), std::string::npos);
  EXPECT_NE(p.find("gpuparity_metric_missing{gpu=\"NVIDIA H100 80GB HBM3\""), std::string::npos);
  EXPECT_NE(p.find("metric=\"a:seconds\",side=\"container\",blocking=\"true\"} 1"),
            std::string::npos);
  EXPECT_NE(p.find("metric=\"b:bytes_per_second\",side=\"native\",blocking=\"false\"} 1"),
            std::string::npos);
  EXPECT_NE(md.find("**Why:** 2 metric(s)"), std::string::npos);
  EXPECT_NE(md.find("- `a:seconds`: measured on native only (unexplained)"), std::string::npos);
  EXPECT_NE(md.find("- `b:bytes_per_second`: measured on container only (explained)"),
            std::string::npos);
  EXPECT_NE(h.find("<code>a:seconds</code>: measured on native only (unexplained)"),
            std::string::npos);
  EXPECT_NE(h.find("<b>Why:</b> 2 metric(s)"), std::string::npos);
  // A report without them renders as before.
  EXPECT_EQ(markdown_summary(read("parity-podman-long.report.json")).find("Not judged"),
            std::string::npos);
}

// Every rendering leads with what is wrong and what to do: the finding that explains the
// degraded metrics comes before any table, and a failing metric names its cause.
TEST(Renderings, LeadWithTheFindingThatExplainsTheDegradedMetrics) {
  const auto doc = read("rule-39679a4/cpu-quota-half.report.json");
  const std::string title = doc["audit"][0]["title"];
  ASSERT_EQ(doc["audit"][0]["id"], "cpu_quota");
  const auto md = markdown_summary(doc);
  ASSERT_NE(md.find("### What is wrong and what to do"), std::string::npos) << md;
  EXPECT_LT(md.find(title), md.find("| metric |"));
  EXPECT_EQ(count(md, title), 1);  // not again in the audit list after the table
  EXPECT_GT(md.find("### Audit"), md.find("| metric |"));  // other_differences stays below
  const auto h = html_page(doc);
  ASSERT_NE(h.find("id=\"what-to-do\""), std::string::npos);
  EXPECT_LT(h.find(xml_escape(title)), h.find("id=\"verdicts\""));
  EXPECT_EQ(count(h, xml_escape(title)), 1);
  const auto text = summary_table(doc);
  EXPECT_EQ(text.rfind("verdict: degraded", 0), 0u) << text.substr(0, 200);
  EXPECT_LT(text.find("what is wrong and what to do:\n"), text.find(title));
  EXPECT_LT(text.find(title), text.find("metric "));
  const auto x = junit_xml(doc);
  // Each degraded round trip names the quota, in its failure's message and text.
  EXPECT_EQ(count(x, "cause: cpu_quota: "), 2 * 3);
}

TEST(Renderings, AHealthyRunLeadsWithNothingAndListsTheRestInOneLine) {
  const auto doc = read("rule-39679a4/parity-podman-1.report.json");
  EXPECT_EQ(markdown_summary(doc).find("What is wrong"), std::string::npos);
  EXPECT_EQ(html_page(doc).find("what-to-do"), std::string::npos);
  const auto text = summary_table(doc);
  EXPECT_EQ(text.find("what is wrong"), std::string::npos);
  const auto at = text.find("audit [info] ");
  ASSERT_NE(at, std::string::npos);
  // The info list is one line: its values stay in the report.
  EXPECT_NE(text.compare(text.find('\n', at) + 1, 11, "  native:  "), 0);
}

}  // namespace
}  // namespace gpuparity::harness
