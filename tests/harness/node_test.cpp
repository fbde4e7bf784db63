// `gpuparity node`'s parts that need no process: nvidia-smi's CSV, --gpus as a list, the
// node's verdict from its parts (a truth table), and its renderings' GPU labels.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>


#include "decision.hpp"
#include "node.hpp"
#include "node_gpus.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

const std::string csv =
    "0, GPU-AAAAAAAA-0000-0000-0000-000000000000, 00000000:18:00.0, NVIDIA H100 80GB HBM3\n"
    "1, GPU-bbbbbbbb-1111-1111-1111-111111111111, 00000000:2A:00.0, NVIDIA H100 80GB HBM3\n"
    "2, GPU-cccccccc-2222-2222-2222-222222222222, 00000000:3A:00.0, NVIDIA A100, rev 2\n";

TEST(NodeGpus, NvidiaSmiCsvIsReadWithLowerCaseUuidsAndNamesWithCommas) {
  const auto g = parse_nvidia_smi_gpus(csv);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_EQ(g[0].index, 0);
  EXPECT_EQ(g[0].uuid, "GPU-aaaaaaaa-0000-0000-0000-000000000000");
  EXPECT_EQ(g[1].pci_bus_id, "00000000:2A:00.0");
  EXPECT_EQ(g[2].name, "NVIDIA A100, rev 2");
}

TEST(NodeGpus, MalformedOrRepeatedLinesAreRefused) {
  for (const char* bad :
       {"0, GPU-a, 00000000:18:00.0\n", "x, GPU-a, 00:1.0, H100\n", "0, MIG-a, 00:1.0, H100\n",
        "0, GPU-a, 00:1.0, H100\n0, GPU-b, 00:2.0, H100\n",
        "0, GPU-a, 00:1.0, H100\n1, GPU-A, 00:2.0, H100\n"})
    EXPECT_THROW(parse_nvidia_smi_gpus(bad), std::invalid_argument) << bad;
  EXPECT_TRUE(parse_nvidia_smi_gpus("\n").empty());
}

TEST(NodeGpus, SelectionTakesIndicesAndUuidsInNvidiaSmisOrder) {
  const auto g = parse_nvidia_smi_gpus(csv);
  EXPECT_EQ(select_node_gpus(g, "all").size(), 3u);
  const auto two = select_node_gpus(g, "2, GPU-AAAAAAAA-0000-0000-0000-000000000000");
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].index, 0);
  EXPECT_EQ(two[1].index, 2);
  for (const char* bad :
       {"3", "0,0", "1,GPU-bbbbbbbb-1111-1111-1111-111111111111", "GPU-x", "", "0,"})
    EXPECT_THROW(select_node_gpus(g, bad), std::invalid_argument) << bad;
}

node_part part(const std::string& verdict, int code, bool skipped = false) {
  node_part p;
  p.name = "GPU x";
  p.verdict = verdict;
  p.exit_code = code;
  p.skipped = skipped;
  p.reason = verdict == "parity" ? "" : "why";
  return p;
}

// The node's verdict is the worst part's; a pass needs every part that ran to pass.
TEST(NodeDecision, TheWorstPartDecidesAndNothingElsePasses) {
  struct row {
    std::vector<node_part> parts;
    int code;
    const char* verdict;
  };
  const row table[] = {
      {{part("parity", 0), part("parity", 0)}, 0, "parity"},
      {{part("parity", 0), part("", 4, true)}, 0, "parity"},  // node-wide skipped
      {{part("parity", 0), part("inconclusive", 3)}, 3, "inconclusive"},
      {{part("inconclusive", 3), part("degraded", 1)}, 1, "degraded"},
      {{part("degraded", 1), part("error", 4)}, 4, "error"},
      {{part("parity", 0), part("error", 4)}, 4, "error"},
      {{part("parity", 0), part("parity", 5)}, 5, "parity"},  // a part's --baseline
      {{part("parity", 0), part("parity", 2)}, 4, "error"},   // a usage error is no pass
      {{part("parity", 0), part("passed", 0)}, 4, "error"},   // an unknown verdict
      {{part("parity", 0), part("error", 143)}, 143, "error"},
      {{part("", 4, true)}, 4, "error"},  // nothing judged
      {{}, 4, "error"},
  };
  for (std::size_t i = 0; i < std::size(table); ++i) {
    const auto d = decide_node(table[i].parts);
    EXPECT_EQ(d.exit_code, table[i].code) << "row " << i;
    EXPECT_EQ(d.verdict, table[i].verdict) << "row " << i;
    if (d.verdict != "parity") {
      EXPECT_FALSE(d.reason.empty()) << "row " << i;
    }
  }
}

json node_doc() {
  json g = {{"index", 1},
            {"uuid", "GPU-b\"1"},
            {"pci_bus_id", "00000000:2A:00.0"},
            {"name", "H100"},
            {"status", "run"},
            {"report", "n.gpu1.json"},
            {"verdict", "degraded"},
            {"exit_code", 1},
            {"verdict_reason", "1 metric(s) degraded"},
            {"metric_counts", {{"parity", 0}, {"degraded", 1}, {"inconclusive", 0}}},
            {"metrics", json::array({{{"name", "stream/copy:bytes_per_second"},
                                      {"class", "bandwidth"},
                                      {"verdict", "degraded"},
                                      {"decides", true},
                                      {"ratio", 0.9}}})},
            {"audit", json::array()}};
  return {{"kind", "gpuparity-node"},
          {"host", {{"hostname", "node7"}}},
          {"config", {{"runtime", "docker"}, {"image", "img"}}},
          {"gpus", json::array({g})},
          {"node_wide",
           {{"status", "skipped"}, {"filter", "^(peer|nccl)/"}, {"verdict_reason", "no cases"}}},
          {"verdict", "degraded"},
          {"exit_code", 1},
          {"verdict_reason", "GPU 1: 1 metric(s) degraded"}};
}

TEST(NodeRender, EveryGpuSeriesCarriesItsUuidIndexAndBusId) {
  const auto p = node_prometheus_text(node_doc());
  EXPECT_NE(
      p.find("gpuparity_node_metric_ratio{host=\"node7\",runtime=\"docker\",image=\"img\","
             "gpu_uuid=\"GPU-b\\\"1\",gpu_index=\"1\",gpu_bus_id=\"00000000:2A:00.0\","
             "gpu_name=\"H100\",metric=\"stream/copy:bytes_per_second\"} 0.90000000000000002"),
      std::string::npos)
      << p;
  EXPECT_NE(p.find("gpuparity_node_wide_verdict{host=\"node7\",runtime=\"docker\",image=\"img\","
                   "verdict=\"skipped\"} 1"),
            std::string::npos)
      << p;
  const auto x = node_junit_xml(node_doc());
  EXPECT_NE(x.find("tests=\"2\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos)
      << x;
  EXPECT_NE(x.find("value=\"GPU-b&quot;1\""), std::string::npos) << x;
  const auto t = node_summary_text(node_doc());
  EXPECT_NE(t.find("degraded (exit 1)"), std::string::npos) << t;
  EXPECT_NE(t.find("0/1/0"), std::string::npos) << t;
  EXPECT_NE(node_markdown(node_doc()).find("| 1 | GPU-b\"1 |"), std::string::npos);
}

// A report read back after a run counts only when it is that run's: an older report left
// where the run could not write (a full disk) must never stand for it.
TEST(NodeStaleReports, AReportWithAnotherExitCodeIsNotThisRuns) {
  const nlohmann::ordered_json parity = {{"exit_code", 0}};
  EXPECT_EQ(not_this_runs(parity, 0, "r.json"), "");
  const auto why = not_this_runs(parity, 4, "r.json");
  EXPECT_NE(why.find("not this run's: the run exited 4, the report says 0"), std::string::npos)
      << why;
  EXPECT_NE(not_this_runs(nlohmann::ordered_json::object(), 0, "r.json"), "");
}

TEST(NodeStaleReports, APreviousReportIsRemovedAndOneThatCannotBeIsNamed) {
  const std::string dir = ::testing::TempDir() + "gpuparity_stale_" + std::to_string(getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir + "/blocked.json/inside");
  std::ofstream(dir + "/old.json") << "{}";
  EXPECT_EQ(remove_stale_report(dir + "/old.json"), "");
  EXPECT_FALSE(std::filesystem::exists(dir + "/old.json"));
  EXPECT_EQ(remove_stale_report(dir + "/none.json"), "");
  const auto why = remove_stale_report(dir + "/blocked.json");
  EXPECT_NE(why.find("cannot remove the previous report"), std::string::npos) << why;
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace gpuparity::harness
