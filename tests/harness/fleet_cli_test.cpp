// `gpuparity fleet` run as a user would: exit codes, -o - to stdout, unreadable inputs (a
// missing file, truncated JSON, a document of another kind) as nodes in error, and 1,000
// node reports made from a committed one with a planted outlier node and a broken one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"
#include "fleet_nodes.hpp"

namespace gpuparity {
namespace {

using json = nlohmann::ordered_json;
namespace fs = std::filesystem;
using test::run_program;
using harness::outlier_nodes;

const std::string exe = GPUPARITY_EXE;
const std::string committed =
    std::string(GPUPARITY_RESULTS) +
    "/NVIDIA_H100_80GB_HBM3/runs/rule-39679a4/parity-podman-1.report.json";

// A folder of node reports for one test, removed with it.
class fleet_dir {
 public:
  explicit fleet_dir(const std::string& tag)
      : path_(::testing::TempDir() + "gpuparity_fleet_" + tag + "_" + std::to_string(getpid())),
        base_(json::parse(test::slurp(committed))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~fleet_dir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }
  // Node `name`'s report: the committed one, its verdict set, its STREAM and GEMM native
  // samples (and medians) scaled by `scale`.
  std::string write(const std::string& name, const std::string& verdict = "parity",
                    double scale = 1.0) const {
    json r = base_;
    r["host"]["hostname"] = name;
    r["gpu"]["uuid"] = "GPU-" + name;
    r["verdict"] = verdict;
    r["exit_code"] = verdict == "parity" ? 0 : verdict == "degraded" ? 1 : 3;
    r["verdict_reason"] = verdict == "parity" ? json(nullptr) : json("made so by the test");
    for (auto& m : r["metrics"]) {
      const std::string n = m["name"];
      if (scale == 1.0 || (n.rfind("stream/", 0) != 0 && n.rfind("gemm/", 0) != 0)) continue;
      for (auto& s : m["native"]["samples"]) s = s.get<double>() * scale;
      m["native"]["median"] = m["native"]["median"].get<double>() * scale;
    }
    const std::string path = path_ + "/" + name + ".report.json";
    std::ofstream(path) << r.dump();
    return path;
  }
  std::string write_text(const std::string& file, const std::string& text) const {
    std::ofstream(path_ + "/" + file) << text;
    return path_ + "/" + file;
  }

 private:
  std::string path_;
  json base_;
};

TEST(FleetCli, AllAtParityExitsZeroAndWritesTheDocumentToStdout) {
  const fleet_dir d("parity");
  for (int i = 0; i < 5; ++i) d.write("node" + std::to_string(i));
  const auto r = run_program({exe, "fleet", d.path(), "-o", "-"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json doc = json::parse(r.out);  // stdout holds the document only
  EXPECT_EQ(doc["kind"], "gpuparity-fleet");
  EXPECT_EQ(doc["verdict"], "parity");
  EXPECT_EQ(doc["nodes"].size(), 5u);
  EXPECT_EQ(doc["nodes"][0]["node"], "node0");
  EXPECT_EQ(doc["nodes"][0]["gpu_model"], "NVIDIA H100 80GB HBM3");
  EXPECT_TRUE(doc["groups"][0]["same_workloads"].get<bool>());
  EXPECT_TRUE(outlier_nodes(doc).empty());
}

TEST(FleetCli, AnOutlierNodeMakesTheFleetDegraded) {
  const fleet_dir d("outlier");
  for (int i = 0; i < 6; ++i) d.write("node" + std::to_string(i));
  d.write("slow", "parity", 0.95);
  const std::string out = d.path() + "/fleet.json", md = d.path() + "/fleet.md",
                    xml = d.path() + "/fleet.xml", prom = d.path() + "/fleet.prom",
                    html = d.path() + "/fleet.html";
  const auto r = run_program({exe, "fleet", d.path(), "-o", out, "--markdown", md, "--junit", xml,
                              "--prom", prom, "--html", html});
  ASSERT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.out.find("## gpuparity fleet: **degraded** (exit 1)"), std::string::npos) << r.out;
  const json doc = json::parse(test::slurp(out));
  EXPECT_EQ(outlier_nodes(doc), std::vector<std::string>{"slow"});
  EXPECT_EQ(test::slurp(md), r.out);
  EXPECT_NE(test::slurp(xml).find("<failure type=\"outlier\""), std::string::npos);
  EXPECT_NE(test::slurp(prom).find("gpuparity_fleet_node_outlier{node=\"slow\""),
            std::string::npos);
  EXPECT_NE(test::slurp(html).find("outlier"), std::string::npos);
  // Fewer nodes than --min-nodes: no outlier is judged, the fleet is at parity.
  const auto few = run_program({exe, "fleet", d.path(), "--min-nodes", "8", "-o", "-"});
  EXPECT_EQ(few.exit_code, 0) << few.err;
}

TEST(FleetCli, UnreadableReportsAreNodesInErrorNeverDropped) {
  const fleet_dir d("unreadable");
  for (int i = 0; i < 3; ++i) d.write("node" + std::to_string(i));
  const std::string truncated =
      d.write_text("cut.report.json", test::slurp(committed).substr(0, 5000));
  const std::string missing = d.path() + "/nowhere.report.json";
  const std::string other = d.write_text("other.report.json", R"({"benchmarks": []})");
  const auto r = run_program({exe, "fleet", d.path(), missing, "-o", "-"});
  ASSERT_EQ(r.exit_code, 4) << r.err;
  const json doc = json::parse(r.out);
  EXPECT_EQ(doc["verdict"], "error");
  EXPECT_EQ(doc["counts"]["nodes"], 6);
  EXPECT_EQ(doc["counts"]["unreadable"], 3);
  for (const auto& bad : {truncated, missing, other}) {
    const auto it = std::find_if(doc["nodes"].begin(), doc["nodes"].end(),
                                 [&](const json& n) { return n["source"] == bad; });
    ASSERT_NE(it, doc["nodes"].end()) << bad;
    EXPECT_FALSE((*it)["readable"].get<bool>());
    EXPECT_EQ((*it)["verdict"], "error");
    EXPECT_FALSE((*it)["reason"].get<std::string>().empty());
    EXPECT_NE(r.err.find(bad + " is a node in error"), std::string::npos) << r.err;
  }
}

// A node report that says parity while its own audit forbids a pass (one from an older
// gpuparity, or edited): a shared GPU makes the node inconclusive, an audit error an error.
TEST(FleetCli, AParityItsOwnAuditForbidsIsNotCounted) {
  const fleet_dir d("contradicted");
  for (int i = 0; i < 3; ++i) d.write("node" + std::to_string(i));
  const auto plant = [&](const std::string& name, const char* id, const char* severity) {
    const std::string path = d.write(name);
    json r = json::parse(test::slurp(path));
    r["audit"].push_back({{"id", id}, {"severity", severity}, {"title", "planted"},
                          {"native", ""}, {"container", ""}, {"fix", ""},
                          {"explains", json::array()}});
    std::ofstream(path) << r.dump();
  };
  plant("shared", "gpu_shared", "warning");
  const auto r = run_program({exe, "fleet", d.path(), "-o", "-"});
  ASSERT_EQ(r.exit_code, 3) << r.err;
  json doc = json::parse(r.out);
  EXPECT_EQ(doc["verdict"], "inconclusive");
  const auto node = [&doc](const std::string& name) {
    for (const auto& n : doc["nodes"])
      if (n["node"] == name) return n;
    return json();
  };
  EXPECT_EQ(node("shared")["verdict"], "inconclusive");
  EXPECT_NE(node("shared")["reason"].get<std::string>().find("gpu_shared: planted"),
            std::string::npos) << node("shared");
  EXPECT_EQ(node("node0")["verdict"], "parity");
  plant("broken", "no_gpu_in_container", "error");
  const auto e = run_program({exe, "fleet", d.path(), "-o", "-"});
  ASSERT_EQ(e.exit_code, 4) << e.err;
  doc = json::parse(e.out);
  EXPECT_EQ(node("broken")["verdict"], "error");
}

TEST(FleetCli, AFolderWithoutReportsAndABadOptionAreRefused) {
  const fleet_dir d("empty");
  const auto r = run_program({exe, "fleet", d.path()});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("no *.report.json"), std::string::npos) << r.err;
  EXPECT_EQ(run_program({exe, "fleet", d.path(), "--min-nodes", "1"}).exit_code, 2);
  EXPECT_EQ(run_program({exe, "fleet"}).exit_code, 2);
}

TEST(FleetCli, AThousandNodesNamePlantedOutlierAndBrokenNode) {
  const fleet_dir d("thousand");
  for (int i = 0; i < 998; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "node%04d", i);
    d.write(name);
  }
  d.write("slow-node", "parity", 0.95);
  d.write_text("broken-node.report.json", test::slurp(committed).substr(0, 100000));
  const auto t0 = std::chrono::steady_clock::now();
  const auto r = run_program({exe, "fleet", d.path(), "-o", d.path() + "/fleet.json"}, {}, 600);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::cout << "gpuparity fleet merged 1000 node reports in " << seconds << " s\n";
  ASSERT_EQ(r.exit_code, 4) << r.err;
  const json doc = json::parse(test::slurp(d.path() + "/fleet.json"));
  EXPECT_EQ(doc["counts"]["nodes"], 1000);
  EXPECT_EQ(outlier_nodes(doc), std::vector<std::string>{"slow-node"});
  EXPECT_EQ(doc["counts"]["unreadable"], 1);
  const auto broken = std::find_if(doc["nodes"].begin(), doc["nodes"].end(), [](const json& n) {
    const std::string s = n["source"];
    return s.size() > 23 && s.compare(s.size() - 23, 23, "broken-node.report.json") == 0;
  });
  ASSERT_NE(broken, doc["nodes"].end());
  EXPECT_EQ((*broken)["verdict"], "error");
  EXPECT_FALSE((*broken)["readable"].get<bool>());
  // Every STREAM and GEMM metric names the slow node, and only it.
  for (const auto& m : doc["groups"][0]["metrics"]) {
    const std::string name = m["name"];
    const bool planted = name.rfind("stream/", 0) == 0 || name.rfind("gemm/", 0) == 0;
    EXPECT_EQ(m["outliers"].size(), planted ? 1u : 0u) << name;
  }
}

}  // namespace
}  // namespace gpuparity
