// `gpuparity node` on a fake node with two GPUs: a fake nvidia-smi lists them, the workload
// is tests/data/fake_bench.py (which runs on the GPU CUDA_VISIBLE_DEVICES leaves as device 0,
// and with GPUPARITY_FAKE_PEER has the node-wide peer/ and nccl/ cases), the engine is the
// fake docker of fake_gpu_engine.hpp. Each GPU is judged by its own run, then the node-wide
// run; a GPU that fails, one missing from the container, or a peer link lost in the container
// never gives the node parity.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../process_probe.hpp"
#include "../run_program.hpp"
#include "fake_gpu_engine.hpp"
#include "node.hpp"

namespace gpuparity {
namespace {

using env_list = std::vector<std::pair<std::string, std::string>>;
using test::run_program;

const std::string gpu0 = "GPU-00000000-0000-0000-0000-000000000000";
const std::string gpu1 = "GPU-11111111-1111-1111-1111-111111111111";

// nvidia-smi as the node command asks it; FAKE_SMI_FAIL makes it fail as it does without a
// driver.
const char* const fake_nvidia_smi = R"(#!/bin/sh
[ "$1" = "--query-gpu=index,uuid,pci.bus_id,name" ] && [ "$2" = "--format=csv,noheader" ] || {
  echo "fake nvidia-smi: unexpected arguments $*" >&2; exit 2; }
if [ -n "$FAKE_SMI_FAIL" ]; then
  echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." >&2
  exit 9
fi
echo "0, GPU-00000000-0000-0000-0000-000000000000, 00000000:18:00.0, NVIDIA H100 80GB HBM3"
echo "1, GPU-11111111-1111-1111-1111-111111111111, 00000000:2A:00.0, NVIDIA H100 80GB HBM3"
)";

struct fake_node {
  std::string dir;
  std::string bench = std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py";
  std::string engine, smi, out, prom, junit, hang_pids;
  explicit fake_node(const std::string& tag)
      : dir(::testing::TempDir() + "gpuparity_node_" + tag + "_" + std::to_string(getpid())) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    engine = script("docker", test::fake_gpu_engine);
    smi = script("nvidia-smi", fake_nvidia_smi);
    out = dir + "/node.json";
    prom = dir + "/node.prom";
    junit = dir + "/node.xml";
    hang_pids = dir + "/hang.pids";
  }
  ~fake_node() { std::filesystem::remove_all(dir); }
  std::string script(const std::string& name, const char* text) const {
    const auto p = dir + "/" + name;
    std::ofstream(p) << text;
    chmod(p.c_str(), 0755);
    return p;
  }
  std::vector<std::string> argv(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> a = {GPUPARITY_EXE,
                                  "node",
                                  "--runtime",
                                  "docker",
                                  "--engine",
                                  engine,
                                  "--image",
                                  "fake:1",
                                  "--nvidia-smi",
                                  smi,
                                  "--bench",
                                  bench,
                                  "--programs",
                                  "bench",
                                  "--filter",
                                  "stream/copy",
                                  "--budget",
                                  "60",
                                  "--processes-per-trial",
                                  "0",
                                  "--no-telemetry",
                                  "-o",
                                  out,
                                  "--prom",
                                  prom,
                                  "--junit",
                                  junit};
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
  env_list env(const env_list& extra = {}) const {
    env_list e = {{"GPUPARITY_RECORDED_OUTPUT",
                   std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
                  {"GPUPARITY_FAKE_BENCH", bench},
                  {"GPUPARITY_FAKE_GPUS", gpu0 + "," + gpu1},
                  {"GPUPARITY_FAKE_HANG_PIDS", hang_pids},
                  {"FAKE_IMAGE", "fake:1"}};
    e.insert(e.end(), extra.begin(), extra.end());
    return e;
  }
  test::program_result run(const env_list& extra = {},
                           const std::vector<std::string>& args = {}) const {
    return run_program(argv(args), env(extra), 300);
  }
  nlohmann::json report() const { return nlohmann::json::parse(test::slurp(out)); }
};

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const nlohmann::json* audit_finding(const nlohmann::json& report, const std::string& id) {
  for (const auto& a : report["audit"])
    if (a["id"] == id) return &a;
  return nullptr;
}

// Two GPUs, each judged by its own run on that GPU alone, then the node-wide run with both:
// parity everywhere, and every output names each GPU by UUID, index and bus id.
TEST(NodeCli, TwoGpusAreEachJudgedThenTheNodeWideRun) {
  const fake_node n("two");
  const auto r = n.run({{"GPUPARITY_FAKE_PEER", "nvlink"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["kind"], "gpuparity-node");
  EXPECT_EQ(rep["verdict"], "parity") << rep["verdict_reason"];
  EXPECT_EQ(rep["order"], "sequential");
  ASSERT_EQ(rep["gpus"].size(), 2u);
  const std::string uuids[] = {gpu0, gpu1}, buses[] = {"00000000:18:00.0", "00000000:2A:00.0"};
  for (int i = 0; i < 2; ++i) {
    const auto& g = rep["gpus"][i];
    EXPECT_EQ(g["index"], i);
    EXPECT_EQ(g["uuid"], uuids[i]);
    EXPECT_EQ(g["pci_bus_id"], buses[i]);
    EXPECT_EQ(g["name"], "NVIDIA H100 80GB HBM3");
    EXPECT_EQ(g["verdict"], "parity") << g["verdict_reason"];
    EXPECT_TRUE(g["same_gpu"].get<bool>());
    EXPECT_EQ(g["report"], n.dir + "/node.gpu" + std::to_string(i) + ".json");
    // The run's own report: on this GPU alone, on both sides.
    const auto run = nlohmann::json::parse(test::slurp(g["report"].get<std::string>()));
    EXPECT_EQ(run["gpu"]["uuid"], uuids[i]);
    EXPECT_EQ(run["sides"]["container"]["gpu_uuids"], uuids[i]);
    EXPECT_EQ(run["config"]["gpus"]["selected_by"], "uuid");
    EXPECT_FALSE(g["metrics"].empty());
  }
  const auto& w = rep["node_wide"];
  EXPECT_EQ(w["status"], "run");
  EXPECT_EQ(w["verdict"], "parity") << w["verdict_reason"];
  // Both GPUs on both sides, in CUDA's order (this fake machine's fastest first).
  EXPECT_EQ(w["native_gpus"], gpu1 + "," + gpu0);
  EXPECT_EQ(w["container_gpus"], gpu1 + "," + gpu0);
  std::set<std::string> judged;
  for (const auto& m : w["metrics"]) judged.insert(m["name"].get<std::string>());
  EXPECT_TRUE(judged.count("peer/bandwidth/0to1:bytes_per_second")) << w["metrics"].dump();
  EXPECT_TRUE(judged.count("nccl/all_reduce/1048576:bytes_per_second")) << w["metrics"].dump();
  const auto p = test::slurp(n.prom);
  for (int i = 0; i < 2; ++i)
    EXPECT_TRUE(has(p, "gpu_uuid=\"" + uuids[i] + "\",gpu_index=\"" + std::to_string(i) +
                           "\",gpu_bus_id=\"" + buses[i] +
                           "\",gpu_name=\"NVIDIA H100 80GB HBM3\"," + "verdict=\"parity\"} 1"))
        << p;
  EXPECT_TRUE(has(p, "gpuparity_node_verdict{")) << p;
  EXPECT_TRUE(has(p, "gpuparity_node_wide_verdict{")) << p;
  const auto x = test::slurp(n.junit);
  EXPECT_TRUE(has(x, "name=\"gpuparity node: GPU 1\"")) << x;
  EXPECT_TRUE(has(x, "<property name=\"gpu_uuid\" value=\"" + gpu1 + "\"/>")) << x;
  EXPECT_TRUE(has(x, "name=\"gpuparity node: node-wide\"")) << x;
  EXPECT_TRUE(has(r.out, "node-wide")) << r.out;
}

// A workload program without peer/ or nccl/ cases: the node-wide part is skipped, says why,
// and the node's verdict is its GPUs'.
TEST(NodeCli, WithoutNodeWideCasesThatPartIsSkippedNotAnError) {
  const fake_node n("skip");
  const auto r = n.run({}, {"--gpus", "1"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = n.report();
  ASSERT_EQ(rep["gpus"].size(), 1u);
  EXPECT_EQ(rep["gpus"][0]["uuid"], gpu1);
  EXPECT_EQ(rep["node_wide"]["status"], "skipped");
  EXPECT_TRUE(has(rep["node_wide"]["verdict_reason"].get<std::string>(), "no case matching"))
      << rep["node_wide"];
  EXPECT_EQ(rep["verdict"], "parity");
}

// A GPU whose workload fails: its run is an error, so is the node, whatever the others say.
TEST(NodeCli, AFailingGpuMakesTheNodeAnError) {
  const fake_node n("broken");
  const auto r = n.run({{"GPUPARITY_FAKE_BROKEN", gpu1}}, {"--no-node-wide"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["gpus"][0]["verdict"], "parity");
  EXPECT_EQ(rep["gpus"][1]["verdict"], "error");
  EXPECT_TRUE(has(rep["verdict_reason"].get<std::string>(), "GPU 1 (" + gpu1 + ")"))
      << rep["verdict_reason"];
  EXPECT_EQ(rep["node_wide"]["status"], "skipped");
  EXPECT_TRUE(
      has(test::slurp(n.prom), "gpu_uuid=\"" + gpu1 +
                                   "\",gpu_index=\"1\",gpu_bus_id=\"00000000:2A:00.0\","
                                   "gpu_name=\"NVIDIA H100 80GB HBM3\",verdict=\"error\"} 1"));
}

// The engine never gives the container GPU 1: its run is an error, and the node-wide run,
// which saw two GPUs natively and one in the container, is an error naming both sets.
TEST(NodeCli, AGpuMissingFromTheContainerSideIsAnError) {
  const fake_node n("hidden");
  const auto r = n.run({{"FAKE_HIDES", gpu1}, {"GPUPARITY_FAKE_PEER", "nvlink"}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["gpus"][0]["verdict"], "parity");
  EXPECT_EQ(rep["gpus"][1]["verdict"], "error");
  EXPECT_TRUE(rep["gpus"][1]["container_uuids"].empty());
  EXPECT_EQ(rep["node_wide"]["verdict"], "error");
  const auto wide =
      nlohmann::json::parse(test::slurp(rep["node_wide"]["report"].get<std::string>()));
  const auto* f = audit_finding(wide, "gpu_set_differs");
  ASSERT_NE(f, nullptr) << wide["audit"].dump();
  EXPECT_EQ((*f)["severity"], "error");
  EXPECT_TRUE(has((*f)["native"].get<std::string>(), gpu0 + ", " + gpu1)) << *f;
  EXPECT_TRUE(has((*f)["container"].get<std::string>(), "1 GPU(s): " + gpu0)) << *f;
}

// Peer-to-peer over NVLink natively, through host memory in the container: the node-wide
// peer case is degraded, the audit names the lost link, and the node is degraded.
TEST(NodeCli, APeerLinkLostInTheContainerIsDegradedWithItsCause) {
  const fake_node n("p2p");
  const auto r =
      n.run({{"GPUPARITY_FAKE_PEER", "nvlink"}, {"FAKE_CONTAINER_PEER", "host"}}, {"--gpus", "0"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["verdict"], "degraded") << rep["verdict_reason"];
  EXPECT_EQ(rep["gpus"][0]["verdict"], "parity");
  EXPECT_EQ(rep["node_wide"]["verdict"], "degraded");
  const auto wide =
      nlohmann::json::parse(test::slurp(rep["node_wide"]["report"].get<std::string>()));
  const auto* f = audit_finding(wide, "peer_p2p_unavailable");
  ASSERT_NE(f, nullptr) << wide["audit"].dump();
  EXPECT_TRUE(has((*f)["native"].get<std::string>(), "link=nvlink")) << *f;
  EXPECT_TRUE(has((*f)["container"].get<std::string>(), "link=host")) << *f;
  EXPECT_EQ((*f)["explains"], nlohmann::json::array({"peer/bandwidth/0to1:bytes_per_second"}));
}

// The node's own check of each run's proof, on a real run's report: parity only where the
// report proves both sides ran on the GPU nvidia-smi listed; another UUID, a container side
// that named no GPU, or no readable report is an error.
TEST(NodeCli, AGpuIsParityOnlyWhereItsRunProvesBothSidesRanOnIt) {
  const fake_node n("proof");
  const auto r = n.run({}, {"--gpus", "0", "--no-node-wide"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string path = n.dir + "/node.gpu0.json";
  const harness::node_gpu g0{0, gpu0, "00000000:18:00.0", "NVIDIA H100 80GB HBM3"};
  EXPECT_EQ(harness::node_gpu_part(g0, path, 0)["verdict"], "parity");
  auto other = g0;
  other.uuid = gpu1;
  const auto wrong = harness::node_gpu_part(other, path, 0);
  EXPECT_EQ(wrong["verdict"], "error");
  EXPECT_EQ(wrong["exit_code"], 4);
  EXPECT_TRUE(
      has(wrong["verdict_reason"].get<std::string>(), "does not prove both sides ran on " + gpu1))
      << wrong["verdict_reason"];
  auto rep = nlohmann::ordered_json::parse(test::slurp(path));
  rep["gpu"]["container_uuids"] = nlohmann::ordered_json::array();
  rep["gpu"]["same_gpu"] = false;
  const std::string edited = n.dir + "/edited.json";
  std::ofstream(edited) << rep.dump();
  const auto missing = harness::node_gpu_part(g0, edited, 0);
  EXPECT_EQ(missing["verdict"], "error");
  EXPECT_TRUE(has(missing["verdict_reason"].get<std::string>(), "missing from the container side"))
      << missing["verdict_reason"];
  const auto none = harness::node_gpu_part(g0, n.dir + "/no-such-report.json", 0);
  EXPECT_EQ(none["verdict"], "error");
  EXPECT_TRUE(has(none["verdict_reason"].get<std::string>(), "no readable report"));
}

// The real gpuparity-bench, with no GPU visible: each GPU's run is an error (no GPU), and the
// node-wide part was asked of the program itself: run or skipped, never failed for asking
// (gpuparity-bench exits 2 when a --benchmark_filter matches nothing, so it is not asked
// with one).
TEST(NodeCli, TheRealWorkloadProgramIsAskedForNodeWideCasesWithoutFailing) {
  const fake_node n("real");
  auto a = n.argv({"--native-vs-native"});
  *(std::find(a.begin(), a.end(), "--bench") + 1) = GPUPARITY_BENCH_EXE;
  const auto r = run_program(a, {{"CUDA_VISIBLE_DEVICES", "-1"}}, 300);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["gpus"][0]["verdict"], "error");
  const auto& w = rep["node_wide"];
  EXPECT_NE(w["status"], "not_run") << w;
  if (w["status"] == "skipped") {
    EXPECT_TRUE(has(w["verdict_reason"].get<std::string>(), "has no case matching")) << w;
  }
}

// nvidia-smi missing, failing, or a selection it does not list: no run, an error that says so.
TEST(NodeCli, NvidiaSmiMissingOrFailingOrAnUnknownGpuIsAnError) {
  const fake_node n("smi");
  auto a = n.argv();
  *(std::find(a.begin(), a.end(), "--nvidia-smi") + 1) = n.dir + "/no-such-nvidia-smi";
  auto r = run_program(a, n.env());
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_TRUE(has(n.report()["verdict_reason"].get<std::string>(), "no-such-nvidia-smi"));
  EXPECT_TRUE(n.report()["gpus"].empty());
  r = n.run({{"FAKE_SMI_FAIL", "1"}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const std::string why = n.report()["verdict_reason"];
  EXPECT_TRUE(has(why, "exit code 9")) << why;
  EXPECT_TRUE(has(why, "couldn't communicate with the NVIDIA driver")) << why;
  r = n.run({}, {"--gpus", "0,7"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(
      has(n.report()["verdict_reason"].get<std::string>(), "7 is not a GPU nvidia-smi lists"))
      << n.report()["verdict_reason"];
}

// SIGTERM while GPU 0's workload hangs: the workload is killed, GPU 1 is not started, the
// node report says so, and gpuparity ends with 128 + SIGTERM.
TEST(NodeCli, AnInterruptKillsTheRunningWorkloadAndStartsNoOther) {
  const fake_node n("signal");
  const auto pid_file = n.dir + "/gpuparity.pid";
  auto args = n.argv();
  args.insert(args.begin(), {"sh", "-c", "echo $$ > \"$0\"; exec \"$@\"", pid_file});
  test::program_result r;
  std::thread runner([&] { r = run_program(args, n.env({{"GPUPARITY_FAKE_HANG", gpu0}}), 120); });
  const bool hung = test::gone_within([&] { return access(n.hang_pids.c_str(), F_OK) != 0; }, 60);
  const auto gpuparity = test::pids_in(test::slurp(pid_file));
  if (hung && gpuparity.size() == 1) kill(gpuparity[0], SIGTERM);
  runner.join();
  ASSERT_TRUE(hung) << "the workload never started: " << r.err;
  EXPECT_EQ(r.exit_code, 128 + SIGTERM) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["exit_code"], 128 + SIGTERM);
  EXPECT_EQ(rep["gpus"][1]["status"], "not_run");
  EXPECT_EQ(rep["node_wide"]["status"], "not_run");
  for (pid_t pid : test::pids_in(test::slurp(n.hang_pids))) {
    EXPECT_TRUE(test::gone_within([pid] { return test::is_running(pid); })) << pid;
    kill(pid, SIGKILL);  // if the test failed
  }
}

// run keeps a GPU's verdict beside a regression's exit code, so the node refuses --baseline
// rather than show a regression as parity.
TEST(NodeCli, BaselineIsRefusedWithTheRunThatGatesOneGpu) {
  const fake_node n("baseline");
  const auto r = n.run({}, {"--baseline", n.dir + "/baseline.json"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_TRUE(has(r.err, "gpuparity run --gpus UUID --baseline FILE")) << r.err;
  EXPECT_FALSE(std::filesystem::exists(n.out));
}

// The native side inherits a CUDA_VISIBLE_DEVICES that hides a GPU: the node-wide run saw
// fewer GPUs than nvidia-smi lists, so it judged less than the node: an error.
TEST(NodeCli, ANodeWideRunThatSawFewerGpusThanListedIsAnError) {
  const fake_node n("subset");
  const auto r = n.run({{"GPUPARITY_FAKE_PEER", "nvlink"}, {"CUDA_VISIBLE_DEVICES", gpu0}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["node_wide"]["verdict"], "error") << rep["node_wide"].dump(2);
}

// A directory where a GPU's report goes cannot be removed: that GPU is not run, the node is
// an error, never a pass on whatever was there before.
TEST(NodeCli, AReportPathThatCannotBeClearedIsAnError) {
  const fake_node n("blocked");
  std::filesystem::create_directories(n.dir + "/node.gpu1.json/inside");
  const auto r = n.run({}, {"--no-node-wide"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = n.report();
  EXPECT_EQ(rep["gpus"][1]["status"], "not_run");
  EXPECT_TRUE(has(rep["gpus"][1]["verdict_reason"].get<std::string>(),
                  "cannot remove the previous report"))
      << rep["gpus"][1];
}

}  // namespace
}  // namespace gpuparity
