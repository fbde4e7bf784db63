// gpuparity run against a real engine (label container). GPUPARITY_ENGINE names the
// runtime (docker, podman), GPUPARITY_TEST_IMAGES the images (the first is used).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string first_image() {
  const std::string list = env_or("GPUPARITY_TEST_IMAGES", "");
  return list.substr(0, list.find(','));
}

std::string engine() { return env_or("GPUPARITY_ENGINE", "docker"); }

std::string report_path(const char* tag) {
  return ::testing::TempDir() + "gpuparity_ctr_" + tag + "_" + std::to_string(getpid()) + ".json";
}

TEST(HarnessContainer, MissingImageIsNamed) {
  const auto out = report_path("noimage");
  const auto r = test::run_program(
      {GPUPARITY_EXE, "run", "--runtime", engine(), "--image",
       "gpuparity/no-such-image:0", "--bench", GPUPARITY_BENCH_EXE, "-o", out});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_NE(
      rep["error"].get<std::string>().find("image 'gpuparity/no-such-image:0' is not available"),
      std::string::npos)
      << rep["error"];
  std::remove(out.c_str());
}

// A docker client whose daemon is not there (DOCKER_HOST at a socket that does not exist):
// the error names the daemon and how to start it, not a missing image.
TEST(HarnessContainer, AnUnreachableDaemonIsNamed) {
  if (engine() != "docker") GTEST_SKIP() << "DOCKER_HOST is docker's";
  const auto out = report_path("nodaemon");
  const auto r = test::run_program(
      {GPUPARITY_EXE, "run", "--runtime", "docker", "--image", "gpuparity/cuda:0.1.0", "--bench",
       GPUPARITY_BENCH_EXE, "-o", out},
      {{"DOCKER_HOST", "unix://" + ::testing::TempDir() + "gpuparity-no-daemon.sock"}});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  EXPECT_EQ(rep["verdict"], "error");
  const auto error = rep["error"].get<std::string>();
  EXPECT_NE(error.find("docker cannot reach its daemon"), std::string::npos) << error;
  EXPECT_NE(error.find("systemctl start docker"), std::string::npos) << error;
  EXPECT_EQ(error.find("images/build.sh"), std::string::npos) << error;
  std::remove(out.c_str());
}

// On a machine without a GPU (CI): the run is an error, and the report names the
// missing GPU and why the container could not get one.
TEST(HarnessContainer, WithoutAGpuTheReportNamesIt) {
  if (env_or("GPUPARITY_TEST_NO_GPU", "") != "1")
    GTEST_SKIP() << "for machines without a GPU (GPUPARITY_TEST_NO_GPU=1)";
  ASSERT_FALSE(first_image().empty()) << "set GPUPARITY_TEST_IMAGES";
  const auto out = report_path("nogpu");
  const auto r =
      test::run_program({GPUPARITY_EXE, "run", "--runtime", engine(),
                         "--image", first_image(), "--bench", GPUPARITY_BENCH_EXE, "--programs",
                         "bench", "--filter", "stream/copy", "-o", out});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.out.find("verdict: error"), std::string::npos) << r.out;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  EXPECT_NE(rep["error"].get<std::string>().find("no usable CUDA GPU"), std::string::npos)
      << rep["error"];
  ASSERT_EQ(rep["trials"].size(), 2u);  // both sides ran once, for the evidence
  EXPECT_EQ(rep["trials"][1]["side"], "container");
  bool named = false;
  for (const auto& f : rep["audit"]) named = named || f["id"] == "no_gpu_native";
  EXPECT_TRUE(named) << rep["audit"].dump(2);
  EXPECT_FALSE(rep["runtime"]["image_id"].is_null());
  EXPECT_FALSE(rep["runtime"]["version"].get<std::string>().empty());
  std::remove(out.c_str());
}

// The container trial of a no-GPU run (trial 0 is the native warm-up, trial 1 the
// container's): its one program.
nlohmann::json container_program(const nlohmann::json& report) {
  const auto& t = report["trials"];
  if (t.size() < 2 || t[1]["side"] != "container" || t[1]["programs"].empty()) return nullptr;
  return t[1]["programs"][0];
}

// A custom runtime template runs the workload through the engine named in it: the
// container's gpuparity-bench ran (and, with no GPU, said so with its own exit code 5).
TEST(HarnessContainer, ACustomTemplateRunsTheWorkloadInTheImage) {
  if (env_or("GPUPARITY_TEST_NO_GPU", "") != "1")
    GTEST_SKIP() << "for machines without a GPU (GPUPARITY_TEST_NO_GPU=1)";
  ASSERT_FALSE(first_image().empty()) << "set GPUPARITY_TEST_IMAGES";
  const auto out = report_path("template");
  const auto r = test::run_program(
      {GPUPARITY_EXE, "run", "--runtime", "custom", "--runtime-template",
       engine() + " run --rm --name {name} {image} {command}", "--image", first_image(),
       "--bench", GPUPARITY_BENCH_EXE, "--programs", "bench", "--filter", "stream/copy", "-o",
       out});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  const auto rep = nlohmann::json::parse(test::slurp(out));
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["runtime"]["kind"], "custom") << rep["runtime"].dump();
  EXPECT_EQ(rep["runtime"]["engine"], engine()) << rep["runtime"].dump();
  const auto prog = container_program(rep);
  ASSERT_FALSE(prog.is_null()) << rep["trials"].dump(2);
  const auto cmd = prog["command"].get<std::vector<std::string>>();
  ASSERT_GE(cmd.size(), 6u);
  EXPECT_EQ(cmd[0], engine());
  EXPECT_EQ(cmd[5], first_image());
  EXPECT_EQ(cmd[6], "gpuparity-bench");
  EXPECT_EQ(prog["exit_code"], 5) << prog.dump(2);
  EXPECT_NE(prog["stderr_tail"].get<std::string>().find("no usable CUDA GPU"), std::string::npos)
      << prog["stderr_tail"];
  std::remove(out.c_str());
}

// A workload that hangs inside the container: the trial timeout kills the engine's client
// and the named container, the report says which program was killed, nothing is left
// running. The hang is real: a script that sleeps, mounted over the image's program. Both
// the built-in runtime and a custom template with a kill template are checked.
TEST(HarnessContainer, AHungContainerIsKilledAndNamed) {
  ASSERT_FALSE(first_image().empty()) << "set GPUPARITY_TEST_IMAGES";
  const std::string script = ::testing::TempDir() + "gpuparity_hang_" +
                             std::to_string(getpid()) + ".sh";
  {
    std::ofstream f(script);
    f << "#!/bin/sh\nexec sleep 600\n";
  }
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const std::string mount = script + ":/opt/gpuparity/bin/gpuparity-bench:ro";
  const std::vector<std::vector<std::string>> runtimes = {
      {"--runtime", engine(), "--no-gpu-flags", "--container-arg=-v", "--container-arg=" + mount},
      {"--runtime", "custom", "--runtime-template",
       engine() + " run --rm --name {name} -v " + mount + " {image} {command}",
       "--runtime-kill-template", engine() + " kill {name}"}};
  for (const auto& runtime : runtimes) {
    SCOPED_TRACE(runtime[1]);
    const auto out = report_path("hang");
    std::vector<std::string> args = {GPUPARITY_EXE, "run", "--image", first_image()};
    args.insert(args.end(), runtime.begin(), runtime.end());
    args.insert(args.end(), {"--bench", GPUPARITY_BENCH_EXE, "--programs", "bench", "--filter",
                             "stream/copy", "--trial-timeout", "8", "-o", out});
    const auto start = std::chrono::steady_clock::now();
    const auto r = test::run_program(args);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_EQ(r.exit_code, 4) << r.err;
    EXPECT_LT(took, 60.0) << "the timeout did not stop the run";
    const auto rep = nlohmann::json::parse(test::slurp(out));
    EXPECT_EQ(rep["verdict"], "error");
    const auto prog = container_program(rep);
    ASSERT_FALSE(prog.is_null()) << rep["trials"].dump(2);
    EXPECT_EQ(prog["timed_out"], true) << prog.dump(2);
    EXPECT_NE(rep["trials"][1]["error"].get<std::string>().find(
                  "did not finish within the trial timeout and was killed"),
              std::string::npos)
        << rep["trials"][1]["error"];
    // The container itself is gone, not only the client (--rm removes it once killed).
    const auto cmd = prog["command"].get<std::vector<std::string>>();
    ASSERT_GE(cmd.size(), 5u);
    ASSERT_EQ(cmd[3], "--name");
    std::string left = "?";
    for (int i = 0; i < 30 && !left.empty(); ++i) {
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(500));
      left = test::run_program({engine(), "ps", "-a", "-q", "--filter", "name=^" + cmd[4] + "$"})
                 .out;
    }
    EXPECT_EQ(left, "") << "container " << cmd[4] << " is still there";
    std::remove(out.c_str());
  }
  std::remove(script.c_str());
}

}  // namespace
}  // namespace gpuparity
