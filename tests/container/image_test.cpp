// The images, run by a real engine with no GPU (label container). Configure with
//   GPUPARITY_TEST_IMAGES=gpuparity/cuda:0.1.0,gpuparity/prebuilt:0.1.0,...  (gpuparity-bench)
//   GPUPARITY_TEST_TORCH_IMAGES=gpuparity/torch:0.1.0                          (gpuparity-torch)
//   GPUPARITY_ENGINE=docker|podman (default docker)
// images/build.sh prints the tags it built.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

// The engine by name: run_process (execvp) finds it on PATH, as a user's shell would.
std::string engine_name() {
  const char* e = std::getenv("GPUPARITY_ENGINE");
  return e && *e ? e : "docker";
}

std::vector<std::string> images(const char* variable = "GPUPARITY_TEST_IMAGES") {
  std::vector<std::string> out;
  const char* list = std::getenv(variable);
  std::stringstream s(list ? list : "");
  for (std::string item; std::getline(s, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

test::program_result engine(const std::vector<std::string>& args, int timeout_s = 300) {
  std::vector<std::string> argv = {engine_name()};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::run_program(argv, {}, timeout_s);
}

// Every test runs over all configured images: the list is read when the test runs, not
// when ctest discovers the tests, so one build serves any set of images.
#define FOR_EACH_IMAGE(variable)                                \
  ASSERT_FALSE(images(variable).empty()) << "set " << variable; \
  for (const std::string& image : images(variable))             \
    if (SCOPED_TRACE(image); true)

TEST(Images, ListEveryCase) {
  FOR_EACH_IMAGE("GPUPARITY_TEST_IMAGES") {
    const auto r = engine({"run", "--rm", image, "gpuparity-bench", "--benchmark_list_tests"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    for (const char* name : {"stream/triad", "copy/h2d_pinned", "compute/fp32",
                             "gemm/cublaslt/bf16/8192", "gemm/cublaslt/fp8/4096", "latency/launch",
                             "latency/device_memory", "startup/first_kernel"})
      EXPECT_NE(r.out.find(std::string(name) + "/"), std::string::npos) << name << "\n" << r.out;
  }
}

TEST(Images, WithoutAGpuFailWithTheNoGpuMessage) {
  FOR_EACH_IMAGE("GPUPARITY_TEST_IMAGES") {
    const auto r = engine({"run", "--rm", image, "gpuparity-bench", "--benchmark_format=json",
                           "--benchmark_filter=stream/copy"});
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("no usable CUDA GPU"), std::string::npos) << r.err;
    const auto doc = nlohmann::json::parse(r.out);
    EXPECT_EQ(doc["benchmarks"][0]["error_message"].get<std::string>().rfind("no_device: ", 0), 0u);
    EXPECT_FALSE(doc["context"]["gpuparity_git_revision"].get<std::string>().empty());
  }
}

TEST(Images, CarryOciLabelsAndBuildInfo) {
  FOR_EACH_IMAGE("GPUPARITY_TEST_IMAGES") {
    const auto r = engine({"image", "inspect", "--format", "{{json .Config.Labels}}", image});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto labels = nlohmann::json::parse(r.out);
    for (const char* k : {"org.opencontainers.image.version", "org.opencontainers.image.revision",
                          "org.opencontainers.image.created", "org.opencontainers.image.source"}) {
      ASSERT_TRUE(labels.contains(k)) << k << " missing: " << r.out;
      EXPECT_NE(labels[k].get<std::string>(), "unknown") << k;
    }
    const auto info = engine({"run", "--rm", image, "cat", "/opt/gpuparity/BUILD_INFO"});
    ASSERT_EQ(info.exit_code, 0) << info.err;
    EXPECT_NE(
        info.out.find("version=" + labels["org.opencontainers.image.version"].get<std::string>()),
        std::string::npos)
        << info.out;
    EXPECT_NE(
        info.out.find("revision=" + labels["org.opencontainers.image.revision"].get<std::string>()),
        std::string::npos)
        << info.out;
  }
}

TEST(Images, RunAsANonRootUser) {
  FOR_EACH_IMAGE("GPUPARITY_TEST_IMAGES") {
    const auto r = engine({"run", "--rm", image, "id", "-u"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out, "10001\n");
  }
}

TEST(TorchImages, ListTheTorchCases) {
  FOR_EACH_IMAGE("GPUPARITY_TEST_TORCH_IMAGES") {
    const auto l = engine({"run", "--rm", image, "gpuparity-torch", "--benchmark_list_tests"});
    ASSERT_EQ(l.exit_code, 0) << l.err;
    for (const char* name : {"torch/matmul/bf16/8192", "torch/transformer_block/bf16"})
      EXPECT_NE(l.out.find(std::string(name) + "/"), std::string::npos) << name << "\n" << l.out;
  }
}

TEST(TorchImages, WithoutAGpuFailWithTheNoGpuMessage) {
  FOR_EACH_IMAGE("GPUPARITY_TEST_TORCH_IMAGES") {
    const auto r = engine({"run", "--rm", image, "gpuparity-torch", "--benchmark_format=json",
                           "--benchmark_filter=torch/matmul/bf16/4096"});
    EXPECT_EQ(r.exit_code, 5) << r.err;
    EXPECT_NE(r.err.find("no usable CUDA GPU"), std::string::npos) << r.err;
  }
}

}  // namespace
}  // namespace gpuparity
