// The fleet's outlier rule (median, scaled MAD, margin floor, orientation, minimum fleet
// size), its verdict and the document's grouping by GPU model, on nodes made here.
#include "fleet.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "fleet_nodes.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

fleet_node node(const std::string& name, double native, const std::string& verdict = "parity",
                const std::string& metric = "stream/copy:bytes_per_second",
                bool higher_is_better = true, const std::string& model = "H100",
                double margin = 0.02) {
  fleet_node n;
  n.source = name + ".report.json";
  n.node = name;
  n.gpu_uuid = "GPU-" + name;
  n.gpu_model = model;
  n.readable = true;
  n.verdict = verdict;
  n.exit_code = verdict == "parity"         ? 0
                : verdict == "degraded"     ? 1
                : verdict == "inconclusive" ? 3
                                            : 4;
  n.metrics.push_back({metric, higher_is_better ? "bandwidth" : "latency", verdict,
                       higher_is_better, true, margin, native, native * 1.001});
  return n;
}

fleet_node unreadable(const std::string& name) {
  fleet_node n;
  n.source = name;
  n.node = name;
  n.reason = "not JSON";
  return n;
}

TEST(FleetRule, MedianAndScaledMad) {
  const auto r = robust_of({1, 2, 3, 4, 100});
  EXPECT_DOUBLE_EQ(r.median, 3);
  // |x - 3| = 2 1 0 1 97: MAD 1.
  EXPECT_DOUBLE_EQ(r.scaled_mad, 1.4826);
  const auto even = robust_of({1, 2, 4, 10});
  EXPECT_DOUBLE_EQ(even.median, 3);
  EXPECT_DOUBLE_EQ(even.scaled_mad, 1.4826 * 1.5);  // |x - 3| = 2 1 1 7
}

TEST(FleetRule, ThresholdIsTheLargerOfKMadsAndTheMargin) {
  // Spread 1% (scaled MAD / median): 3.5 MADs = 3.5% beats the 2% margin.
  const robust_spread wide{100, 1};
  EXPECT_FALSE(judge_outlier(96.6, wide, 0.02, true, 3.5).outlier);
  const auto t = judge_outlier(96.4, wide, 0.02, true, 3.5);
  EXPECT_TRUE(t.outlier);
  EXPECT_NEAR(t.threshold, 0.035, 1e-12);
  EXPECT_NEAR(t.worse_by, 0.036, 1e-12);
  // Zero MAD (identical nodes): the margin alone; no division by zero.
  const robust_spread flat{100, 0};
  EXPECT_FALSE(judge_outlier(98.5, flat, 0.02, true, 3.5).outlier);
  EXPECT_TRUE(judge_outlier(97.9, flat, 0.02, true, 3.5).outlier);
  EXPECT_FALSE(judge_outlier(100, flat, 0.02, true, 3.5).outlier);
}

TEST(FleetRule, OrientationLatencyIsWorseWhenHigher) {
  const robust_spread fleet{1e-6, 0};
  EXPECT_TRUE(judge_outlier(1.2e-6, fleet, 0.1, false, 3.5).outlier);
  EXPECT_FALSE(judge_outlier(0.5e-6, fleet, 0.1, false, 3.5).outlier);  // faster is no outlier
  EXPECT_FALSE(judge_outlier(1.2e-6, fleet, 0.1, true, 3.5).outlier);
  EXPECT_TRUE(judge_outlier(0.5e-6, fleet, 0.1, true, 3.5).outlier);
  EXPECT_FALSE(judge_outlier(5, robust_spread{0, 0}, 0.1, true, 3.5).outlier);  // median 0
}

TEST(Fleet, NamesThePlantedOutlierAndNoOther) {
  std::vector<fleet_node> nodes;
  for (int i = 0; i < 9; ++i) nodes.push_back(node("n" + std::to_string(i), 100 + 0.1 * i));
  nodes.push_back(node("slow", 95));
  const json doc = make_fleet(nodes, {}, {"gpuparity", "fleet"});
  EXPECT_EQ(outlier_nodes(doc), std::vector<std::string>{"slow"});
  EXPECT_EQ(doc["verdict"], "degraded");
  EXPECT_EQ(doc["exit_code"], 1);
  const json& m = doc["groups"][0]["metrics"][0];
  EXPECT_TRUE(m["judged"].get<bool>());
  EXPECT_EQ(m["nodes"], 10);
  EXPECT_NEAR(m["native"]["median"].get<double>(), 100.35, 1e-9);
  ASSERT_EQ(m["outliers"].size(), 1u);
  EXPECT_NEAR(m["outliers"][0]["worse_by"].get<double>(), (100.35 - 95) / 100.35, 1e-9);
}

TEST(Fleet, TooFewNodesJudgesNoOutlier) {
  std::vector<fleet_node> nodes;
  for (int i = 0; i < 3; ++i) nodes.push_back(node("n" + std::to_string(i), 100));
  nodes.push_back(node("slow", 50));
  const json four = make_fleet(nodes, {}, {});
  EXPECT_TRUE(outlier_nodes(four).empty());
  EXPECT_FALSE(four["groups"][0]["metrics"][0]["judged"].get<bool>());
  EXPECT_EQ(four["verdict"], "parity");
  fleet_options o;
  o.min_nodes = 4;
  EXPECT_EQ(outlier_nodes(make_fleet(nodes, o, {})), std::vector<std::string>{"slow"});
}

TEST(Fleet, LatencyOutlierIsTheSlowNode) {
  const std::string m = "latency/launch:latency_seconds";
  std::vector<fleet_node> nodes;
  for (int i = 0; i < 6; ++i)
    nodes.push_back(node("n" + std::to_string(i), 2e-6, "parity", m, false));
  nodes.push_back(node("fast", 1e-6, "parity", m, false));
  nodes.push_back(node("slow", 3e-6, "parity", m, false));
  EXPECT_EQ(outlier_nodes(make_fleet(nodes, {}, {})), std::vector<std::string>{"slow"});
}

TEST(Fleet, OnlyNodesOfOneModelAreCompared) {
  std::vector<fleet_node> nodes;
  for (int i = 0; i < 5; ++i) nodes.push_back(node("h100-" + std::to_string(i), 100));
  // H200s are faster: compared with each other only, none is an outlier, nor does it pull
  // the H100s' median.
  for (int i = 0; i < 5; ++i)
    nodes.push_back(node("h200-" + std::to_string(i), 140, "parity", "stream/copy:bytes_per_second",
                         true, "H200"));
  const json doc = make_fleet(nodes, {}, {});
  EXPECT_EQ(doc["groups"].size(), 2u);
  EXPECT_TRUE(outlier_nodes(doc).empty());
  EXPECT_EQ(doc["verdict"], "parity");
  EXPECT_EQ(doc["exit_code"], 0);
}

TEST(Fleet, VerdictTruthTable) {
  auto verdict_of = [](std::vector<fleet_node> nodes) {
    return make_fleet(nodes, {}, {})["verdict"].get<std::string>();
  };
  EXPECT_EQ(verdict_of({node("a", 1), node("b", 1)}), "parity");
  EXPECT_EQ(verdict_of({node("a", 1), node("b", 1, "inconclusive")}), "inconclusive");
  EXPECT_EQ(verdict_of({node("a", 1, "degraded"), node("b", 1, "inconclusive")}), "degraded");
  EXPECT_EQ(verdict_of({node("a", 1, "degraded"), node("b", 1, "error")}), "error");
  EXPECT_EQ(verdict_of({node("a", 1, "degraded"), unreadable("b")}), "error");
  const json doc = make_fleet({node("a", 1), unreadable("broken.report.json")}, {}, {});
  EXPECT_EQ(doc["exit_code"], 4);
  EXPECT_EQ(doc["counts"]["unreadable"], 1);
  EXPECT_EQ(doc["nodes"][1]["reason"], "not JSON");
  EXPECT_FALSE(doc["nodes"][1]["readable"].get<bool>());
}

TEST(Fleet, NodesThatRanOtherCodeAreSaidSo) {
  std::vector<fleet_node> nodes;
  for (int i = 0; i < 5; ++i) nodes.push_back(node("n" + std::to_string(i), 100));
  const json same = make_fleet(nodes, {}, {});
  EXPECT_TRUE(same["groups"][0]["same_workloads"].get<bool>());
  EXPECT_EQ(fleet_markdown(same).find("gpuparity revision"), std::string::npos);
  nodes[4].revision = "abc";
  const json mixed = make_fleet(nodes, {}, {});
  EXPECT_FALSE(mixed["groups"][0]["same_workloads"].get<bool>());
  EXPECT_EQ(mixed["groups"][0]["revisions"].size(), 2u);
  EXPECT_NE(fleet_markdown(mixed).find("ran 2 gpuparity revision(s)"), std::string::npos);
  EXPECT_NE(fleet_html(mixed).find("ran 2 gpuparity revision(s)"), std::string::npos);
}

TEST(Fleet, TwoReportsOfOneNodeAndGpuAreSaidSo) {
  const json doc = make_fleet({node("a", 1), node("a", 1), node("b", 1)}, {}, {});
  ASSERT_EQ(doc["duplicates"].size(), 1u);
  EXPECT_EQ(doc["duplicates"][0]["node"], "a");
  EXPECT_TRUE(doc["nodes"][0]["duplicate"].get<bool>());
  EXPECT_FALSE(doc["nodes"][2]["duplicate"].get<bool>());
}

// A node whose workload failed on every GPU measured no UUID: its runs are told apart by the
// GPU each was asked for (as examples/slurm/gpuparity.sbatch runs them, one per --gpus).
TEST(Fleet, FailedRunsOfTwoGpusOfOneNodeAreNotDuplicates) {
  auto failed = [](const std::string& selection) {
    fleet_node n = node("a", 1, "error");
    n.gpu_uuid.clear();
    n.metrics.clear();
    n.gpu_selection = selection;
    return n;
  };
  const json two = make_fleet({failed("0"), failed("1"), node("b", 1)}, {}, {});
  EXPECT_TRUE(two["duplicates"].empty()) << two["duplicates"];
  const json same = make_fleet({failed("0"), failed("0"), node("b", 1)}, {}, {});
  ASSERT_EQ(same["duplicates"].size(), 1u);
  EXPECT_EQ(same["duplicates"][0]["gpu_uuid"], "");
}

TEST(Fleet, RenderingsNameTheOutlierAndTheBrokenNode) {
  std::vector<fleet_node> nodes;
  for (int i = 0; i < 6; ++i) nodes.push_back(node("n" + std::to_string(i), 100));
  nodes.push_back(node("slow", 90));
  nodes.push_back(unreadable("gone.report.json"));
  const json doc = make_fleet(nodes, {}, {});
  const std::string md = fleet_markdown(doc);
  EXPECT_EQ(md.rfind("## gpuparity fleet: **error** (exit 4)", 0), 0u) << md;
  EXPECT_NE(md.find("| slow / GPU-slow | parity | yes |"), std::string::npos) << md;
  EXPECT_NE(md.find("gone.report.json | error | no | not JSON | gone.report.json |"),
            std::string::npos)
      << md;
  EXPECT_EQ(md.find("| n0 "), std::string::npos) << md;
  const std::string xml = fleet_junit(doc);
  EXPECT_NE(xml.find("tests=\"8\" failures=\"2\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<failure type=\"outlier\""), std::string::npos) << xml;
  const std::string prom = fleet_prometheus(doc);
  EXPECT_NE(prom.find("gpuparity_fleet_node_outlier{node=\"slow\",gpu=\"GPU-slow\",model=\"H100\","
                      "source=\"slow.report.json\"} 1"),
            std::string::npos)
      << prom;
  EXPECT_NE(prom.find("gpuparity_fleet_exit_code 4"), std::string::npos);
  const std::string html = fleet_html(doc);
  EXPECT_NE(html.find("<td class=\"outlier\"><b>outlier</b></td>"), std::string::npos);
  // Each row shows its report, so two runs of one node are told apart on the page.
  EXPECT_NE(html.find("<span class=\"src\">slow.report.json</span>"), std::string::npos) << html;
}

}  // namespace
}  // namespace gpuparity::harness
