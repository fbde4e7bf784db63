// `gpuparity run --gpus` on a fake machine with three GPUs: the workload is
// tests/data/fake_bench.py, which runs on the GPU that CUDA_VISIBLE_DEVICES leaves as device 0
// (and numbers GPUs fastest first, the reverse of nvidia-smi's order, unless
// CUDA_DEVICE_ORDER=PCI_BUS_ID) and reports its UUID and what it was told; the engine is a
// fake docker/podman that, as the NVIDIA toolkit does, numbers GPUs as nvidia-smi does and
// hides all but the selected one.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"
#include "fake_gpu_engine.hpp"

namespace gpuparity {
namespace {

using test::run_program;

const std::string gpu0 = "GPU-00000000-0000-0000-0000-000000000000";
const std::string gpu1 = "GPU-11111111-1111-1111-1111-111111111111";
const std::string gpu2 = "GPU-22222222-2222-2222-2222-222222222222";

struct fake_machine {
  std::string dir = ::testing::TempDir();
  std::string tag = std::to_string(getpid());
  std::string bench = std::string(GPUPARITY_TEST_DATA) + "/fake_bench.py";
  std::string engine = dir + "gpus-engine-" + tag + ".sh";
  std::string out = dir + "gpus-report-" + tag + ".json";
  std::string prom = dir + "gpus-report-" + tag + ".prom";
  fake_machine() {
    std::ofstream(engine) << test::fake_gpu_engine;
    chmod(engine.c_str(), 0755);
  }
  ~fake_machine() {
    for (const auto& f : {engine, out, prom}) std::remove(f.c_str());
  }
  test::program_result run(const std::string& runtime, const std::string& gpus,
                           bool ignores_selection = false) const {
    std::vector<std::pair<std::string, std::string>> env = {
        {"GPUPARITY_RECORDED_OUTPUT",
         std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
        {"GPUPARITY_FAKE_BENCH", bench},
        {"GPUPARITY_FAKE_GPUS", gpu0 + "," + gpu1 + "," + gpu2},
        {"FAKE_IMAGE", "fake:1"}};
    if (ignores_selection) env.push_back({"FAKE_IGNORES_SELECTION", "1"});
    return run_program({GPUPARITY_EXE,
                        "run",
                        "--runtime",
                        runtime,
                        "--engine",
                        engine,
                        "--image",
                        "fake:1",
                        "--gpus",
                        gpus,
                        "--bench",
                        bench,
                        "--programs",
                        "bench",
                        "--filter",
                        "stream/copy",
                        "--min-trials",
                        "5",
                        "--budget",
                        "60",
                        "--processes-per-trial",
                        "0",
                        "--no-telemetry",
                        "-o",
                        out,
                        "--prom",
                        prom},
                       env);
  }
  nlohmann::json report() const { return nlohmann::json::parse(test::slurp(out)); }
};

// --gpus 2: natively CUDA_VISIBLE_DEVICES=2 with PCI bus order (CUDA's own order would make
// it the first GPU here), in the container docker's device=2; both sides run on the third GPU,
// and the report and the metrics say which.
TEST(GpusCli, AnIndexRunsBothSidesOnThatGpuAndTheReportSaysWhich) {
  const fake_machine m;
  const auto r = m.run("docker", "2");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = m.report();
  EXPECT_EQ(rep["verdict"], "parity") << rep["verdict_reason"];
  // What the native workload was told, from its own output.
  EXPECT_EQ(rep["sides"]["native"]["env_var_CUDA_VISIBLE_DEVICES"], "2");
  EXPECT_EQ(rep["sides"]["native"]["env_var_CUDA_DEVICE_ORDER"], "PCI_BUS_ID");
  EXPECT_FALSE(rep["sides"]["container"].contains("env_var_CUDA_VISIBLE_DEVICES"));
  EXPECT_EQ(rep["sides"]["native"]["gpu_uuid"], gpu2);
  EXPECT_EQ(rep["sides"]["container"]["gpu_uuid"], gpu2);
  EXPECT_EQ(rep["config"]["gpus"]["selection"], "2");
  EXPECT_EQ(rep["config"]["gpus"]["selected_by"], "index");
  EXPECT_EQ(rep["config"]["gpus"]["native_environment"]["CUDA_VISIBLE_DEVICES"], "2");
  EXPECT_EQ(rep["runtime"]["gpu_flags"], (std::vector<std::string>{"--gpus", "device=2"}));
  // The engine's version number, and the line a renaming wrapper printed beside it.
  EXPECT_EQ(rep["runtime"]["version"], "1.0.2");
  EXPECT_EQ(rep["runtime"]["version_output"], "fake-engine.real version 1.0.2, build f00d");
  EXPECT_EQ(rep["gpu"]["index"], 2);
  EXPECT_EQ(rep["gpu"]["index_resolved_to"], gpu2);
  EXPECT_EQ(rep["gpu"]["uuid"], gpu2);
  EXPECT_TRUE(rep["gpu"]["same_gpu"].get<bool>());
  for (const auto& a : rep["audit"]) EXPECT_NE(a["id"], "different_gpu") << a.dump();
  const auto p = test::slurp(m.prom);
  EXPECT_NE(p.find("gpu_uuid=\"" + gpu2 + "\",gpu_index=\"2\",verdict=\"parity\"} 1"),
            std::string::npos)
      << p;
}

// --gpus UUID through podman's CDI name: both sides on that GPU.
TEST(GpusCli, AUuidRunsBothSidesOnThatGpu) {
  const fake_machine m;
  const auto r = m.run("podman", gpu2);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = m.report();
  EXPECT_EQ(rep["verdict"], "parity") << rep["verdict_reason"];
  EXPECT_EQ(rep["sides"]["native"]["env_var_CUDA_VISIBLE_DEVICES"], gpu2);
  EXPECT_EQ(rep["runtime"]["gpu_flags"],
            (std::vector<std::string>{"--device", "nvidia.com/gpu=" + gpu2}));
  EXPECT_EQ(rep["gpu"]["uuid"], gpu2);
  EXPECT_EQ(rep["gpu"]["selected_by"], "uuid");
  EXPECT_NE(test::slurp(m.prom).find("gpu_uuid=\"" + gpu2 + "\""), std::string::npos);
}

// An engine that passes every GPU whatever it is asked: the container runs on its device 0
// (the fastest-first order's first, the third GPU), not the one selected: an error that names
// the selection and both sides, never parity.
TEST(GpusCli, AContainerOnAnotherGpuThanTheSelectedUuidIsAnError) {
  const fake_machine m;
  const auto r = m.run("docker", gpu0, true);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = m.report();
  EXPECT_EQ(rep["verdict"], "error");
  const std::string why = rep["error"];
  EXPECT_NE(why.find("--gpus selected " + gpu0), std::string::npos) << why;
  EXPECT_NE(why.find("native ran on " + gpu0), std::string::npos) << why;
  EXPECT_NE(why.find("other side on " + gpu2), std::string::npos) << why;
  EXPECT_FALSE(rep["gpu"]["same_gpu"].get<bool>());
  EXPECT_TRUE(rep["gpu"]["uuid"].is_null());
}

// The default is today's: nothing added natively, docker --gpus all, device 0 on each side.
TEST(GpusCli, AllLeavesEachSideItsDeviceZero) {
  const fake_machine m;
  const auto r = m.run("docker", "all");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rep = m.report();
  EXPECT_FALSE(rep["sides"]["native"].contains("env_var_CUDA_VISIBLE_DEVICES"));
  EXPECT_EQ(rep["runtime"]["gpu_flags"], (std::vector<std::string>{"--gpus", "all"}));
  EXPECT_TRUE(rep["config"]["gpus"]["native_environment"].empty());
  EXPECT_EQ(rep["gpu"]["uuid"], gpu2);  // this fake machine's fastest-first device 0
  EXPECT_EQ(test::slurp(m.prom).find("gpu_index="), std::string::npos);
}

TEST(GpusCli, AListOrATemplateThatDropsTheGpuIsAUsageError) {
  const auto list =
      run_program({GPUPARITY_EXE, "run", "--image", "x", "--gpus", "0,1", "--dry-run"});
  EXPECT_EQ(list.exit_code, 2);
  EXPECT_NE(list.err.find("one GPU per run"), std::string::npos) << list.err;
  const auto bad = run_program({GPUPARITY_EXE, "run", "--image", "x", "--gpus", "GPU-1"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("nvidia-smi -L"), std::string::npos) << bad.err;
  const auto custom =
      run_program({GPUPARITY_EXE, "run", "--runtime", "custom", "--runtime-template",
                   "enroot start {image} {command}", "--image", "x", "--gpus", "1", "--dry-run"});
  EXPECT_EQ(custom.exit_code, 2);
  EXPECT_NE(custom.err.find("{gpus}"), std::string::npos) << custom.err;
}

// The dry run shows what each side is told, for every runtime.
TEST(GpusCli, TheDryRunShowsEachSidesSelection) {
  const auto dry = [](std::vector<std::string> extra) {
    std::vector<std::string> argv = {GPUPARITY_EXE, "run",     "--image",
                                     "img",         "--bench", "/nonexistent/gpuparity-bench",
                                     "--dry-run"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.out;
  };
  const std::pair<std::vector<std::string>, std::vector<std::string>> cases[] = {
      {{"--engine", "/nonexistent/docker", "--gpus", "1"},
       {"native environment:    CUDA_DEVICE_ORDER=PCI_BUS_ID CUDA_VISIBLE_DEVICES=1",
        "container flags:       --gpus device=1", "--gpus device=1 img gpuparity-bench"}},
      {{"--runtime", "podman", "--engine", "/nonexistent/podman", "--gpus", gpu1},
       {"native environment:    CUDA_VISIBLE_DEVICES=" + gpu1,
        "--device nvidia.com/gpu=" + gpu1 + " img gpuparity-bench"}},
      {{"--runtime", "apptainer", "--engine", "/nonexistent/apptainer", "--gpus", "2"},
       {"exec --nv --env CUDA_DEVICE_ORDER=PCI_BUS_ID --env CUDA_VISIBLE_DEVICES=2 img"}},
      {{"--runtime", "custom", "--runtime-template",
        "/nonexistent/enroot start -e NVIDIA_VISIBLE_DEVICES={gpus} {image} {command}", "--gpus",
        gpu1},
       {"container: the template's {gpus} is " + gpu1,
        "-e NVIDIA_VISIBLE_DEVICES=" + gpu1 + " img"}},
      {{"--engine", "/nonexistent/docker"},
       {"native environment:    nothing added", "container flags:       --gpus all"}},
  };
  for (const auto& [args, expected] : cases) {
    const auto out = dry(args);
    for (const auto& e : expected) EXPECT_NE(out.find(e), std::string::npos) << e << "\n" << out;
  }
}

}  // namespace
}  // namespace gpuparity
