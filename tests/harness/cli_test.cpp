// gpuparity run as a user runs it, on a machine where CUDA_VISIBLE_DEVICES hides any GPU.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;

std::string temp_report(const char* tag) {
  return ::testing::TempDir() + "gpuparity_cli_" + tag + "_" + std::to_string(getpid()) + ".json";
}

nlohmann::json read_json(const std::string& path) {
  return nlohmann::json::parse(test::slurp(path));
}

TEST(HarnessCli, NoGpuIsAnErrorWithAReportThatSaysSo) {
  const auto out = temp_report("nogpu");
  const auto r = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
                              GPUPARITY_BENCH_EXE, "--filter", "stream/copy", "-o", out},
                             {{"CUDA_VISIBLE_DEVICES", "-1"}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("no usable CUDA GPU"), std::string::npos) << r.err;
  const auto rep = read_json(out);
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["exit_code"], 4);
  EXPECT_NE(rep["error"].get<std::string>().find("no usable CUDA GPU"), std::string::npos);
  EXPECT_TRUE(rep["metrics"].empty());
  EXPECT_GE(rep["trials"].size(), 1u);
  EXPECT_NE(r.out.find("verdict: error"), std::string::npos) << r.out;
  std::remove(out.c_str());
}

TEST(HarnessCli, MissingRuntimeAndMissingBenchAreNamed) {
  const auto out = temp_report("noruntime");
  const auto r =
      run_program({GPUPARITY_EXE, "run", "--runtime", "podman", "--engine", "/nonexistent/podman",
                   "--image", "x", "--bench", GPUPARITY_BENCH_EXE, "-o", out});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(read_json(out)["error"].get<std::string>().find("'/nonexistent/podman' was not found"),
            std::string::npos);
  const auto b = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
                              "/nonexistent/gpuparity-bench", "-o", out});
  EXPECT_EQ(b.exit_code, 4);
  EXPECT_NE(read_json(out)["error"].get<std::string>().find("gpuparity-bench not found"),
            std::string::npos);
  std::remove(out.c_str());
}

TEST(HarnessCli, UnwritableOutputIsAnErrorBeforeAnyTrial) {
  const auto r = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
                              GPUPARITY_BENCH_EXE, "-o", "/nonexistent-dir/report.json"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("cannot write the report"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("native"), std::string::npos) << "no trial should have run: " << r.err;
}

TEST(HarnessCli, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args : {std::vector<std::string>{"run", "--no-such-flag"},
                                               {"run", "--runtime", "lxc", "--image", "x"},
                                               {"run"},
                                               {"run", "--runtime", "custom", "--image", "x"},
                                               {"run", "--image", "x", "--budget", "-1"},
                                               {}}) {
    std::vector<std::string> argv = {GPUPARITY_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "" : args.back()) << ": " << r.err;
  }
}

TEST(HarnessCli, DryRunPrintsArgvForEachRuntime) {
  const auto d = run_program({GPUPARITY_EXE, "run", "--image", "gpuparity/cuda:0.1.0", "--engine",
                              "sh", "--bench", GPUPARITY_BENCH_EXE, "--programs", "bench", "--cpus",
                              "0.05", "--shm-size", "8g", "--dry-run"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("container: sh run --rm --name gpuparity-"), std::string::npos) << d.out;
  EXPECT_NE(d.out.find("--gpus all --shm-size=8g --cpus=0.05 gpuparity/cuda:0.1.0 gpuparity-bench "
                       "--benchmark_format=json"),
            std::string::npos)
      << d.out;
  const auto p =
      run_program({GPUPARITY_EXE, "run", "--runtime", "podman", "--engine", "sh", "--image", "img",
                   "--bench", GPUPARITY_BENCH_EXE, "--programs", "bench", "--dry-run"});
  EXPECT_NE(p.out.find("--device nvidia.com/gpu=all img gpuparity-bench"), std::string::npos)
      << p.out;
}

}  // namespace
}  // namespace gpuparity
