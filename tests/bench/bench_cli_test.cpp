// gpuparity-bench run as a user would, with no GPU visible: CUDA_VISIBLE_DEVICES=-1
// hides every GPU on a GPU machine, and a machine without a driver has none anyway.
#include <gtest/gtest.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;
const std::vector<std::pair<std::string, std::string>> no_gpu = {{"CUDA_VISIBLE_DEVICES", "-1"}};

std::vector<std::string> expected_cases() {
  std::vector<std::string> c = {
      "stream/copy",     "stream/scale",    "stream/add",        "stream/triad",      "stream/dot",
      "copy/h2d_pinned", "copy/d2h_pinned", "copy/h2d_pageable", "copy/d2h_pageable", "copy/d2d",
      "compute/fp32",    "compute/fp64",    "compute/fp16"};
  for (const char* t : {"fp32", "tf32", "fp16", "bf16", "fp8"})
    for (const char* n : {"4096", "8192"}) c.push_back(std::string("gemm/cublaslt/") + t + "/" + n);
  for (const char* l : {"latency/launch", "latency/graph_launch", "latency/memcpy_h2d_small",
                        "latency/device_memory", "startup/first_kernel"})
    c.push_back(l);
  c.push_back("peer/bandwidth");  // fewer than 2 GPUs: the one case that says so
#ifdef GPUPARITY_BENCH_HAS_NCCL
  for (const char* op : {"all_reduce", "all_gather"})
    for (const char* bytes : {"8388608", "268435456"})
      c.push_back(std::string("nccl/") + op + "/" + bytes);
#endif
  return c;
}

TEST(BenchCli, ListsEveryCaseWithoutAGpu) {
  const auto r = run_program({GPUPARITY_BENCH_EXE, "--benchmark_list_tests"}, no_gpu);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  for (const auto& name : expected_cases())
    EXPECT_NE(r.out.find(name + "/iterations:"), std::string::npos) << name << " missing from:\n"
                                                                    << r.out;
}

// Whether this build has the nccl/ cases is in --help and in the case list.
TEST(BenchCli, HelpSaysWhetherTheNcclCasesAreBuilt) {
  const auto h = run_program({GPUPARITY_BENCH_EXE, "--help"}, no_gpu);
  EXPECT_EQ(h.exit_code, 0) << h.err;
  const auto l = run_program({GPUPARITY_BENCH_EXE, "--benchmark_list_tests"}, no_gpu);
#ifdef GPUPARITY_BENCH_HAS_NCCL
  EXPECT_NE(h.out.find("nccl/ cases: built against NCCL"), std::string::npos) << h.out;
  EXPECT_NE(l.out.find("nccl/all_reduce/"), std::string::npos) << l.out;
#else
  EXPECT_NE(h.out.find("nccl/ cases: not in this build"), std::string::npos) << h.out;
  EXPECT_EQ(l.out.find("nccl/"), std::string::npos) << l.out;
#endif
  EXPECT_NE(h.out.find("--peer-bytes"), std::string::npos) << h.out;
}

// --processes K: K fresh processes, their documents merged, each run with its
// process_index; the worst exit code (here no GPU, 5) and the file --benchmark_out names.
TEST(BenchCli, ProcessesFanOutAndMergeTheirDocuments) {
  const std::string out = ::testing::TempDir() + "fan-out-" + std::to_string(getpid()) + ".json";
  const auto r = run_program(
      {GPUPARITY_BENCH_EXE, "--processes", "3", "--benchmark_filter=^(stream/copy|latency/launch)/",
       "--benchmark_format=json", "--benchmark_out=" + out},
      no_gpu);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  for (const auto& doc : {nlohmann::json::parse(r.out), nlohmann::json::parse(test::slurp(out))}) {
    EXPECT_EQ(doc["context"]["gpuparity_processes"], "3");
    ASSERT_EQ(doc["benchmarks"].size(), 6u);
    for (std::size_t i = 0; i < 6; ++i) EXPECT_EQ(doc["benchmarks"][i]["process_index"], i / 2);
  }
  std::remove(out.c_str());
  for (const char* bad : {"0", "x", "1001"}) {
    const auto u = run_program({GPUPARITY_BENCH_EXE, "--processes", bad}, no_gpu);
    EXPECT_EQ(u.exit_code, 2) << bad;
    EXPECT_NE(u.err.find("--processes"), std::string::npos) << u.err;
  }
}

TEST(BenchCli, NoGpuFailsCleanlyWithJsonNamingTheCause) {
  const auto r = run_program({GPUPARITY_BENCH_EXE, "--benchmark_format=json"}, no_gpu);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  EXPECT_NE(r.err.find("no usable CUDA GPU"), std::string::npos) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_NE(doc["context"]["gpuparity_error"].get<std::string>().find("no usable CUDA GPU"),
            std::string::npos);
  // Without a driver at all CUDA says "driver version is insufficient"; the program says
  // what is wrong (no_gpu_message.hpp). With one, CUDA_VISIBLE_DEVICES=-1 hides the GPUs.
  if (access("/proc/driver/nvidia/version", F_OK) != 0) {
    EXPECT_NE(r.err.find("no NVIDIA driver is loaded on this machine"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("insufficient"), std::string::npos) << r.err;
  } else {
    EXPECT_NE(r.err.find("CUDA_VISIBLE_DEVICES is not empty"), std::string::npos) << r.err;
  }
  // Without a GPU the audit still gets the stack's evidence: the libraries, variables and
  // device nodes are what name the cause.
  for (const char* k : {"env_libraries", "env_lib_c_path", "env_variables",
                        "env_var_CUDA_VISIBLE_DEVICES", "env_device_nodes", "env_dev_nvidiactl",
                        "env_nvidia_kernel_module", "env_libcuda_on_library_path"})
    EXPECT_TRUE(doc["context"].contains(k)) << k;
  ASSERT_EQ(doc["benchmarks"].size(), expected_cases().size());
  for (const auto& b : doc["benchmarks"]) {
    EXPECT_TRUE(b["error_occurred"].get<bool>()) << b["name"];
    EXPECT_EQ(b["error_message"].get<std::string>().rfind("no_device: ", 0), 0u)
        << b["error_message"];
    EXPECT_FALSE(b.contains("bytes_per_second")) << "a failed case must not report a speed";
  }
}

TEST(BenchCli, UnknownFilterIsAUsageErrorWithAnErrorDocument) {
  const std::string out =
      ::testing::TempDir() + "gpuparity_cli_" + std::to_string(getpid()) + ".json";
  const auto r = run_program(
      {GPUPARITY_BENCH_EXE, "--benchmark_filter=no/such/case", "--benchmark_out=" + out}, no_gpu);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("matches no case"), std::string::npos) << r.err;
  const auto doc = nlohmann::json::parse(test::slurp(out));
  EXPECT_NE(doc["context"]["gpuparity_error"].get<std::string>().find("no/such/case"),
            std::string::npos);
  EXPECT_EQ(doc["context"]["gpuparity_exit_code"], "2");
  std::remove(out.c_str());
}

TEST(BenchCli, BadFlagsAreUsageErrorsNamingTheProblem) {
  struct bad {
    std::string arg, says;
  };
  for (const auto& b :
       {bad{"--no-such-flag", "--no-such-flag"}, bad{"--stream-bytes=12X", "'12X'"},
        bad{"--stream-unroll=3", "--stream-unroll"}, bad{"--gemm-sizes=0", "--gemm-sizes"}}) {
    const auto r = run_program({GPUPARITY_BENCH_EXE, b.arg, "--benchmark_format=json"}, no_gpu);
    EXPECT_EQ(r.exit_code, 2) << b.arg;
    EXPECT_NE(r.err.find(b.says), std::string::npos) << b.arg << ": " << r.err;
    EXPECT_TRUE(nlohmann::json::accept(r.out)) << b.arg << ": " << r.out;
  }
}

TEST(BenchCli, HelpNamesTheWorkloadFlags) {
  const auto r = run_program({GPUPARITY_BENCH_EXE, "--help"});
  EXPECT_EQ(r.exit_code, 0);
  for (const char* f : {"--stream-bytes", "--copy-bytes", "--d2d-bytes", "--gemm-sizes",
                        "--gemm-algo", "--device", "--seed"})
    EXPECT_NE(r.out.find(f), std::string::npos) << f;
}

// The console prints one cause once: the first case's line has it, the other 27 are one
// counted line; the --benchmark_out file keeps every case's error.
TEST(BenchCli, ConsoleFoldsARepeatedFailure) {
  const std::string out = ::testing::TempDir() + "fold-" + std::to_string(getpid()) + ".json";
  const auto r = run_program({GPUPARITY_BENCH_EXE, "--benchmark_out=" + out}, no_gpu);
  EXPECT_EQ(r.exit_code, 5) << r.err;
  std::size_t errors = 0;
  for (auto at = r.out.find("ERROR OCCURRED"); at != std::string::npos;
       at = r.out.find("ERROR OCCURRED", at + 1))
    ++errors;
  EXPECT_EQ(errors, 1u) << r.out;
  const auto n = expected_cases().size();
  EXPECT_NE(r.out.find("stream/copy/iterations:10/manual_time"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("... and " + std::to_string(n - 1) +
                       " more cases failed with the same error (each is in the JSON output)"),
            std::string::npos)
      << r.out;
  const auto doc = nlohmann::json::parse(test::slurp(out));
  ASSERT_EQ(doc["benchmarks"].size(), n);
  for (const auto& b : doc["benchmarks"])
    EXPECT_EQ(b["error_message"].get<std::string>().rfind("no_device: no usable CUDA GPU", 0), 0u);
  std::remove(out.c_str());
}

}  // namespace
}  // namespace gpuparity
