// Every rendering leads with the decision (issue #17): the verdict, the counts per verdict,
// the metrics not at parity with their cause or what to do; the charts, tables and the
// environment follow. The console summary fits 100 columns. Real reports from results/.
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <sstream>

#include "compare.hpp"
#include "html_environment.hpp"
#include "json_util.hpp"
#include "measurements.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "runtime.hpp"
#include "verdict_view.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/";
const std::string degraded = runs + "rule-39679a4/cpu-quota-half.report.json";
const std::string inconclusive = runs + "rule-39679a4/parity-podman-1.report.json";
const std::string error_run = runs + "podman-gpus-flag.report.json";

json read(const std::string& path) { return read_json_file(path); }

int count(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto p = text.find(what); p != std::string::npos; p = text.find(what, p + 1)) ++n;
  return n;
}

std::vector<std::string> committed_reports() {
  std::vector<std::string> out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(GPUPARITY_RESULTS)) {
    const std::string p = f.path().string();
    if (p.size() > 12 && p.compare(p.size() - 12, 12, ".report.json") == 0) out.push_back(p);
  }
  return out;
}

json comparison_of(const std::string& base, const std::string& cand) {
  return compare_measurements(load_measurements(base, "container"),
                              load_measurements(cand, "container"), class_margins{});
}

TEST(Console, EveryCommittedReportFitsOneHundredColumnsVerdictFirst) {
  const auto reports = committed_reports();
  ASSERT_GE(reports.size(), 20u);
  std::vector<json> docs;
  for (const auto& r : reports) docs.push_back(read(r));
  docs.push_back(comparison_of(runs + "seq/parity-podman-3.report.json", degraded));
  for (const auto& d : docs) {
    const auto text = summary_table(d);
    EXPECT_EQ(text.rfind("verdict: " + d["verdict"].get<std::string>(), 0), 0u)
        << text.substr(0, 200);
    std::istringstream lines(text);
    std::string line;
    std::set<std::string> headings;
    bool informational_seen = false;
    while (std::getline(lines, line)) {
      EXPECT_LE(line.size(), 100u) << line;
      // One table per verdict ("parity (26):"), the informational ones after the deciding.
      const auto open = line.find(" (");
      if (line.empty() || line[0] == ' ' || open == std::string::npos || line.back() != ':')
        continue;
      const std::string heading = line.substr(0, open);
      EXPECT_TRUE(headings.insert(heading).second) << "a second '" << heading << "' table:\n" << text;
      const bool informational = heading.find(", informational") != std::string::npos;
      EXPECT_TRUE(informational || !informational_seen) << heading << " after an informational table";
      informational_seen = informational_seen || informational;
    }
  }
}

TEST(Console, OpenMetricsFirstEachWithItsCauseOrWhatToDo) {
  const auto text = summary_table(read(degraded));
  const auto deg = text.find("\ndegraded (3):\n"), inc = text.find("\ninconclusive (1):\n");
  ASSERT_NE(deg, std::string::npos) << text;
  ASSERT_NE(inc, std::string::npos) << text;
  EXPECT_LT(deg, inc);
  EXPECT_EQ(text.find("\nmetrics: 3 degraded, 1 inconclusive (+3 informational)\n"),
            text.find('\n'));  // the second line
  // Each degraded row is followed by the finding that explains it.
  EXPECT_EQ(count(text.substr(deg, inc - deg), "\n    cause: cpu_quota: "), 3) << text;
  EXPECT_NE(text.find("    to do: its estimate lies outside the margin", inc), std::string::npos);
  // An inconclusive run: the open ones before parity, with the trials that would settle them.
  const auto t2 = summary_table(read(inconclusive));
  EXPECT_LT(t2.find("\ninconclusive (11):\n"), t2.find("\nparity (15):\n"));
  EXPECT_NE(t2.find("    to do: about 480 trials per side would likely settle it"),
            std::string::npos);
  EXPECT_LT(t2.find("\nadvice: about 480 trials per side"), t2.find("\ninconclusive (11):\n"));
}

TEST(Console, LongNamesAreShortenedNotCut) {
  auto doc = read(degraded);
  doc["metrics"][0]["name"] = "training/llama/8b/bf16/seq4096/batch64/fused_adam:tokens_per_second";
  const auto text = summary_table(doc);
  EXPECT_NE(text.find("  training/llama/8...used_adam:tok/s "), std::string::npos) << text;
}

TEST(Html, TheDecisionPrecedesTheFirstChart) {
  for (const auto& path : {degraded, inconclusive, error_run}) {
    const auto h = html_page(read(path));
    const auto counts = h.find("id=\"counts\""), svg = h.find("<svg");
    ASSERT_NE(counts, std::string::npos) << path;
    EXPECT_LT(h.find("<h1>"), counts);
    if (svg != std::string::npos) {
      EXPECT_LT(counts, svg) << path;
    }
    EXPECT_LT(counts, h.find("id=\"environment\"")) << path;
  }
  const auto h = html_page(read(degraded));
  EXPECT_NE(h.find("<b>3</b> degraded</span>"), std::string::npos);
  EXPECT_NE(h.find("<b>1</b> inconclusive</span>"), std::string::npos);
  const auto open = h.find("<h2 id=\"open\">Not at parity: 4 of 4 deciding metrics</h2>");
  ASSERT_NE(open, std::string::npos);
  EXPECT_LT(open, h.find("<svg"));
  EXPECT_LT(open, h.find("id=\"what-to-do\""));
  // The cause links to the finding, which is on the page, also before any chart.
  EXPECT_EQ(count(h, "<a href=\"#finding-cpu_quota\">cpu_quota</a>"), 3);
  EXPECT_LT(h.find("id=\"finding-cpu_quota\""), h.find("<svg"));
  // A run whose every deciding metric is at parity says so in the same place.
  const auto p = html_page(read(runs + "seq/parity-podman-3.report.json"));
  EXPECT_LT(p.find("is at parity or better.</p>"), p.find("<svg"));
  // An inconclusive run: the advice before the charts.
  const auto i = html_page(read(inconclusive));
  EXPECT_LT(i.find("<b>Advice:</b> about 480 trials per side"), i.find("<svg"));
}

TEST(Html, AComparisonLeadsWithItsDecisionToo) {
  const auto cmp = comparison_of(runs + "seq/parity-podman-3.report.json", degraded);
  const auto h = html_page(cmp);
  EXPECT_LT(h.find("id=\"counts\""), h.find("<svg"));
  EXPECT_NE(h.find("<b>4</b> regression</span>"), std::string::npos);
  EXPECT_LT(h.find("<h2 id=\"open\">Not at parity: 4 of 4"), h.find("<svg"));
  const auto md = markdown_summary(cmp);
  EXPECT_LT(md.find("**Metrics:** 4 regression"), md.find("**Not at parity** (4)"));
  EXPECT_LT(md.find("**Not at parity** (4)"), md.find("| metric |"));
}

TEST(Html, ChartsHaveAxesKeysAndOneOrientation) {
  const auto doc = read(degraded);
  const auto h = html_page(doc);
  EXPECT_EQ(count(h, "&#8592; worse</text>"), count(h, "<svg class=\"forest\""));
  EXPECT_EQ(count(h, "&#8593; better (performance / native median)</text>"),
            static_cast<int>(doc["metrics"].size()));
  EXPECT_NE(h.find(">time since the run started (s)</text>"), std::string::npos);
  EXPECT_NE(h.find(">cap 700 W</text>"), std::string::npos);
  EXPECT_NE(h.find(">max 1980 MHz</text>"), std::string::npos);
  // A latency twice the native one is plotted at 0.5, below 1, like a halved bandwidth.
  const auto at =
      h.find("<text x=\"4\" y=\"12\" class=\"small\"><title>latency/launch:latency_seconds");
  ASSERT_NE(at, std::string::npos);
  const auto c = h.find("<title>container trial ", at);
  ASSERT_NE(c, std::string::npos);
  EXPECT_EQ(h.compare(h.find(": ", c) + 2, 3, "0.4"), 0) << h.substr(c, 60);
}

TEST(Html, ThrottlingIsMarkedOnlyWhereItCanMoveAResult) {
  auto doc = read(inconclusive);
  int capped = 0;
  for (const auto& t : doc["trials"]) capped += t.value("throttled", false);
  ASSERT_GT(capped, 0);  // sw_power_cap trials
  const auto h = html_page(doc);
  EXPECT_EQ(count(h, "class=\"slowdown\""), 0);  // the power cap alone outlines no trial
  EXPECT_GT(count(h, "class=\"at-cap\""), 0);    // but its spans are shown
  // A thermal slowdown in a trial and in its samples is marked.
  auto& t = doc["trials"][3];
  t["throttled"] = true;
  t["throttle_reasons"] = json::array({"hw_thermal_slowdown"});
  for (auto& r : doc["telemetry"]["samples"])
    if (r[0].get<double>() >= t["t_start_seconds"].get<double>() &&
        r[0].get<double>() <= t["t_end_seconds"].get<double>())
      r[5] = 0x40;
  EXPECT_GT(count(html_page(doc), "class=\"slowdown\""), 2);
  // In the scatter, a throttled trial is ringed only where its value is an outlier.
  EXPECT_LE(count(h, "class=\"throttled-outlier\""), capped * 31);
  auto outlier = read(inconclusive);
  for (auto& tr : outlier["trials"])
    if (!tr.value("warmup", false) && tr["error"].is_null() && tr["side"] == "container") {
      tr["throttled"] = true;
      tr["programs"][0]["metrics"]["stream/copy:bytes_per_second"] = 1e9;  // far below the rest
      break;
    }
  const auto ho = html_page(outlier);
  const auto sc = ho.find("<title>stream/copy:bytes_per_second</title>");
  ASSERT_NE(sc, std::string::npos);
  EXPECT_NE(ho.find("class=\"throttled-outlier\"", sc), std::string::npos);
}

TEST(Html, EnvironmentInHumanUnitsDifferencesFirst) {
  EXPECT_EQ(fact_text("env_dev_shm_bytes", "137438953472"), "128 GiB");
  EXPECT_EQ(fact_text("env_dev_shm_bytes", "65536000"), "62.5 MiB");
  EXPECT_EQ(fact_text("gpu_sm_clock_max_hz", "1980000000"), "1.98 GHz");
  EXPECT_EQ(fact_text("gpu_sm_count", "132"), "132");
  const auto h = html_page(read(degraded));
  const auto env = h.find("id=\"environment\"");
  const auto differ = h.find("<h3>Differences between the sides (", env);
  const auto rest = h.find("<details><summary>The same on both sides (", env);
  ASSERT_NE(differ, std::string::npos);
  ASSERT_NE(rest, std::string::npos);
  EXPECT_LT(differ, rest);
  const auto shm = h.find(">dev shm bytes</td><td>128 GiB</td><td>62.5 MiB</td>", env);
  EXPECT_LT(shm, rest);
  EXPECT_EQ(h.find("137438953472 bytes", env), std::string::npos);
}

TEST(Runtime, TheEngineAndItsVersionNumber) {
  EXPECT_EQ(engine_version_number("podman.real version 4.3.1"), "4.3.1");
  EXPECT_EQ(engine_version_number("Docker version 24.0.7, build afdd53b"), "24.0.7");
  EXPECT_EQ(engine_version_number("apptainer version 1.3.4"), "1.3.4");
  EXPECT_EQ(engine_version_number("no number"), "no number");
  const auto doc = read(degraded);
  ASSERT_EQ(doc["runtime"]["version"], "podman.real version 4.3.1");  // as recorded then
  EXPECT_EQ(runtime_text(doc["runtime"]), "podman 4.3.1");
  const auto h = html_page(doc);
  EXPECT_NE(h.find(", podman 4.3.1, image"), std::string::npos);
  EXPECT_EQ(h.find("podman.real"), std::string::npos);
  EXPECT_NE(markdown_summary(doc).find(", podman 4.3.1, image"), std::string::npos);
}

TEST(Markdown, TheDecisionFirstThenTheTableWorstFirst) {
  const auto md = markdown_summary(read(degraded));
  const auto counts = md.find("**Metrics:** 3 degraded, 1 inconclusive (+3 informational)");
  const auto open = md.find("**Not at parity** (4):");
  ASSERT_NE(counts, std::string::npos) << md;
  ASSERT_NE(open, std::string::npos) << md;
  EXPECT_LT(counts, open);
  EXPECT_LT(open, md.find("| metric |"));
  EXPECT_NE(md.find("`latency/launch:latency_seconds`: degraded, ratio 0.5113 [0.4442, 0.5885] — "
                    "cause: `cpu_quota` (below)"),
            std::string::npos);
  // The table's first row is a degraded one, its last an informational one.
  const auto first = md.find("\n| `", md.find("| metric |"));
  EXPECT_NE(md.find("**degraded**", first), std::string::npos);
  EXPECT_LT(md.find("**degraded**", first), md.find("inconclusive", first));
  // An error run: the error, then what is wrong, before anything else.
  const auto e = markdown_summary(read(error_run));
  EXPECT_LT(e.find("**Error:**"), e.find("### What is wrong and what to do"));
}

}  // namespace
}  // namespace gpuparity::harness
