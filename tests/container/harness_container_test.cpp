// gpuparity run against a real engine (label container). GPUPARITY_ENGINE names the
// runtime (docker, podman), GPUPARITY_TEST_IMAGES the images (the first is used).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

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

std::string report_path(const char* tag) {
  return ::testing::TempDir() + "gpuparity_ctr_" + tag + "_" + std::to_string(getpid()) + ".json";
}

TEST(HarnessContainer, MissingImageIsNamed) {
  const auto out = report_path("noimage");
  const auto r = test::run_program(
      {GPUPARITY_EXE, "run", "--runtime", env_or("GPUPARITY_ENGINE", "docker"), "--image",
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

// On a machine without a GPU (CI): the run is an error, and the report names the
// missing GPU and why the container could not get one.
TEST(HarnessContainer, WithoutAGpuTheReportNamesIt) {
  if (env_or("GPUPARITY_TEST_NO_GPU", "") != "1")
    GTEST_SKIP() << "for machines without a GPU (GPUPARITY_TEST_NO_GPU=1)";
  ASSERT_FALSE(first_image().empty()) << "set GPUPARITY_TEST_IMAGES";
  const auto out = report_path("nogpu");
  const auto r =
      test::run_program({GPUPARITY_EXE, "run", "--runtime", env_or("GPUPARITY_ENGINE", "docker"),
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

}  // namespace
}  // namespace gpuparity
