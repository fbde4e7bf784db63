// gpuparity run as a user runs it, on a machine where CUDA_VISIBLE_DEVICES hides any GPU.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
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
  EXPECT_NE(r.err.find("cannot write /nonexistent-dir/report.json (-o)"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("native"), std::string::npos) << "no trial should have run: " << r.err;
}

TEST(HarnessCli, UsageErrorsExitTwo) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", "--no-such-flag"},
        {"run", "--runtime", "lxc", "--image", "x"},
        {"run"},
        {"run", "--runtime", "custom", "--image", "x"},
        {"run", "--image", "x", "--runtime-kill-template", "docker kill {name}"},
        {"run", "--image", "x", "--budget", "-1"},
        {}}) {
    std::vector<std::string> argv = {GPUPARITY_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 2) << (args.empty() ? "" : args.back()) << ": " << r.err;
  }
}

// A dry run previews the commands before a runtime is chosen or installed: the engines here
// are paths that cannot exist, so nothing on this machine changes the outcome.
TEST(HarnessCli, DryRunPrintsArgvForEachRuntime) {
  const auto d = run_program({GPUPARITY_EXE, "run", "--image", "gpuparity/cuda:0.1.0", "--engine",
                              "/nonexistent/docker", "--bench", GPUPARITY_BENCH_EXE, "--programs",
                              "bench", "--cpus", "0.05", "--shm-size", "8g", "--dry-run"});
  EXPECT_EQ(d.exit_code, 0) << d.err;
  EXPECT_NE(d.out.find("container: /nonexistent/docker run --rm --name gpuparity-"),
            std::string::npos)
      << d.out;
  EXPECT_NE(d.out.find("--gpus all --shm-size=8g --cpus=0.05 gpuparity/cuda:0.1.0 gpuparity-bench "
                       "--benchmark_format=json"),
            std::string::npos)
      << d.out;
  EXPECT_NE(
      d.out.find(std::string("native:    ") + GPUPARITY_BENCH_EXE + " --benchmark_format=json"),
      std::string::npos)
      << d.out;
  EXPECT_NE(d.out.find("gpuparity/cuda:0.1.0 true"), std::string::npos)
      << "the no-op start: " << d.out;
  EXPECT_NE(d.err.find("warning: container runtime '/nonexistent/docker' was not found on PATH"),
            std::string::npos)
      << d.err;
  EXPECT_NE(d.out.find("then /nonexistent/docker kill gpuparity-"), std::string::npos) << d.out;
  const auto p = run_program({GPUPARITY_EXE, "run", "--runtime", "podman", "--engine",
                              "/nonexistent/podman", "--image", "img", "--bench",
                              GPUPARITY_BENCH_EXE, "--programs", "bench", "--dry-run"});
  EXPECT_EQ(p.exit_code, 0) << p.err;
  EXPECT_NE(p.out.find("--device nvidia.com/gpu=all img gpuparity-bench"), std::string::npos)
      << p.out;
  EXPECT_NE(p.out.find("on a timeout: the process group is killed, then /nonexistent/podman kill "
                       "gpuparity-"),
            std::string::npos)
      << p.out;
  const auto c =
      run_program({GPUPARITY_EXE, "run", "--runtime", "custom", "--runtime-template",
                   "/nonexistent/ctr run --rm {image} {name} {command}", "--runtime-kill-template",
                   "/nonexistent/ctr task kill -s SIGKILL {name}", "--image", "img", "--bench",
                   GPUPARITY_BENCH_EXE, "--programs", "bench", "--dry-run"});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  EXPECT_NE(c.out.find("container: /nonexistent/ctr run --rm img gpuparity-"), std::string::npos)
      << c.out;
  EXPECT_NE(c.out.find("then /nonexistent/ctr task kill -s SIGKILL gpuparity-"), std::string::npos)
      << c.out;
  EXPECT_NE(c.err.find("'/nonexistent/ctr' was not found on PATH"), std::string::npos) << c.err;
}

// The engine's name alone (as a user types it) on a PATH that has no engine: the commands
// and a warning, exit 0, and no file anywhere: not in the working folder, not at -o.
TEST(HarnessCli, DryRunWithoutTheEngineWritesNothing) {
  const std::string dir = ::testing::TempDir() + "gpuparity_dry_" + std::to_string(getpid());
  ASSERT_EQ(mkdir(dir.c_str(), 0755), 0);
  const std::string empty_path = dir + "/no-bin";
  ASSERT_EQ(mkdir(empty_path.c_str(), 0755), 0);
  for (const char* runtime : {"docker", "podman", "apptainer"}) {
    const auto r = run_program({"/usr/bin/env", "-C", dir, "PATH=" + empty_path, GPUPARITY_EXE,
                                "run", "--runtime", runtime, "--image", "img", "--bench",
                                "/nonexistent/gpuparity-bench", "--junit", dir + "/r.xml", "--prom",
                                dir + "/r.prom", "--dry-run"});
    EXPECT_EQ(r.exit_code, 0) << runtime << ": " << r.err;
    EXPECT_NE(r.err.find(std::string("warning: container runtime '") + runtime + "' was not found"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("warning: gpuparity-bench not found"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("/nonexistent/gpuparity-bench --benchmark_format=json"), std::string::npos)
        << r.out;
    EXPECT_NE(r.out.find(std::string("container: ") + runtime + " "), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("verdict"), std::string::npos) << r.out;
  }
  // Nothing was written: the folder holds only the empty PATH folder.
  EXPECT_EQ(run_program({"/usr/bin/find", dir, "-mindepth", "1", "-not", "-name", "no-bin"}).out,
            "");
  // A dry run with a usage error still exits 2.
  EXPECT_EQ(run_program({GPUPARITY_EXE, "run", "--runtime", "podman", "--dry-run"}).exit_code, 2);
  rmdir(empty_path.c_str());
  rmdir(dir.c_str());
}

const std::string runs_dir = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/";
const std::string long_run = runs_dir + "parity-podman-long.report.json";

TEST(CompareCli, ExitCodesForNoRegressionRegressionNotComparableAndError) {
  const auto self = run_program({GPUPARITY_EXE, "compare", long_run, long_run});
  EXPECT_EQ(self.exit_code, 0) << self.err;
  EXPECT_NE(self.out.find("## gpuparity compare: **no_regression**"), std::string::npos);

  auto doc = read_json(long_run);
  for (auto& m : doc["metrics"])
    if (m["name"] == "stream/copy:bytes_per_second")
      for (auto& v : m["container"]["samples"]) v = v.get<double>() * 0.95;
  const auto scaled = temp_report("scaled");
  std::ofstream(scaled) << doc.dump();
  const auto out = temp_report("cmp");
  const auto reg = run_program({GPUPARITY_EXE, "compare", long_run, scaled, "-o", out});
  EXPECT_EQ(reg.exit_code, 1) << reg.err;
  EXPECT_EQ(read_json(out)["verdict"], "regression");
  EXPECT_NE(reg.out.find("| `stream/copy:bytes_per_second` | 3031.6 GB/s | 2880.0 GB/s | 0.9500"),
            std::string::npos)
      << reg.out;

  doc = read_json(long_run);
  doc["sides"]["container"]["gpu_name"] = "NVIDIA H200";
  std::ofstream(scaled) << doc.dump();
  EXPECT_EQ(run_program({GPUPARITY_EXE, "compare", long_run, scaled}).exit_code, 5);

  const auto missing = run_program({GPUPARITY_EXE, "compare", long_run, "/nonexistent.json"});
  EXPECT_EQ(missing.exit_code, 4);
  EXPECT_NE(missing.err.find("cannot read /nonexistent.json"), std::string::npos) << missing.err;
  const auto failed =
      run_program({GPUPARITY_EXE, "compare", long_run, runs_dir + "podman-gpus-flag.report.json"});
  EXPECT_EQ(failed.exit_code, 4);
  EXPECT_NE(failed.err.find("is a run report whose verdict is error"), std::string::npos)
      << failed.err;
  EXPECT_EQ(run_program({GPUPARITY_EXE, "compare", long_run}).exit_code, 2);
  std::remove(scaled.c_str());
  std::remove(out.c_str());
}

TEST(BaselineCli, WritesAPooledBaselineThatCompareReads) {
  const auto out = ::testing::TempDir() + "gpuparity_baseline_" + std::to_string(getpid()) +
                   "/H100/baseline.json";  // folders are made
  const auto b = run_program(
      {GPUPARITY_EXE, "baseline", runs_dir + "parity-podman.report.json", long_run, "-o", out});
  ASSERT_EQ(b.exit_code, 0) << b.err;
  const auto doc = read_json(out);
  EXPECT_EQ(doc["kind"], "gpuparity-baseline");
  EXPECT_EQ(doc["sources"].size(), 2u);
  const auto c = run_program({GPUPARITY_EXE, "compare", out, long_run});
  EXPECT_NE(c.exit_code, 1) << c.out;
  EXPECT_NE(c.exit_code, 4) << c.err;
  const auto bad = run_program({GPUPARITY_EXE, "baseline", "/nonexistent.json", "-o", out});
  EXPECT_EQ(bad.exit_code, 4);
}

TEST(ReportCli, RendersAndRefusesWhatIsNotAReport) {
  const auto md = run_program({GPUPARITY_EXE, "report", runs_dir + "cpu-quota-podman.report.json"});
  EXPECT_EQ(md.exit_code, 0) << md.err;
  EXPECT_NE(md.out.find("## gpuparity run: **degraded**"), std::string::npos) << md.out;
  const auto not_report =
      run_program({GPUPARITY_EXE, "report",
                   std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/gpuparity-bench.json"});
  EXPECT_EQ(not_report.exit_code, 4);
  EXPECT_NE(not_report.err.find("neither a `gpuparity run` report"), std::string::npos);
  const auto unwritable =
      run_program({GPUPARITY_EXE, "report", long_run, "--html", "/nonexistent-dir/report.html"});
  EXPECT_EQ(unwritable.exit_code, 4);
  EXPECT_NE(unwritable.err.find("cannot write /nonexistent-dir/report.html"), std::string::npos);
}

TEST(HarnessCli, AnUnusableBaselineIsAnErrorBeforeAnyTrial) {
  const auto out = temp_report("badbaseline");
  const auto r = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench",
                              GPUPARITY_BENCH_EXE, "--baseline", "/nonexistent.json", "-o", out});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("cannot use the baseline"), std::string::npos) << r.err;
  const auto rep = read_json(out);
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_TRUE(rep["trials"].empty());
  std::remove(out.c_str());
}

TEST(HarnessCli, JunitAndPrometheusAreWrittenForAnErrorRunToo) {
  const auto out = temp_report("nogpu-outputs");
  const auto junit = out + ".xml", prom = out + ".prom";
  const auto r =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", GPUPARITY_BENCH_EXE,
                   "--filter", "stream/copy", "-o", out, "--junit", junit, "--prom", prom},
                  {{"CUDA_VISIBLE_DEVICES", "-1"}});
  EXPECT_EQ(r.exit_code, 4);
  const auto x = test::slurp(junit);
  EXPECT_NE(x.find("<error type=\"error\""), std::string::npos) << x;
  EXPECT_NE(x.find("no usable CUDA GPU"), std::string::npos);
  const auto p = test::slurp(prom);
  EXPECT_NE(p.find("verdict=\"error\"} 1"), std::string::npos) << p;
  EXPECT_NE(p.find("gpuparity_run_exit_code{"), std::string::npos);
  const auto rep = read_json(out);
  EXPECT_FALSE(rep["telemetry"]["available"].get<bool>());
  for (const auto& f : {out, junit, prom}) std::remove(f.c_str());
}

// The whole run loop on a CPU machine: the "workload" replays gpuparity-bench's JSON
// captured on the H100 (tests/data), so trials, statistics, the baseline comparison and the
// renderings all run for real; only the GPU is absent.
TEST(HarnessCli, RunLoopWithARecordedWorkloadAndABaseline) {
  const auto dir = ::testing::TempDir();
  const auto script = dir + "recorded-workload-" + std::to_string(getpid()) + ".sh";
  std::ofstream(script) << "#!/bin/sh\ncat \"$GPUPARITY_RECORDED_OUTPUT\"\n";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const auto out = temp_report("recorded");
  const auto junit = out + ".xml";
  const auto r =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script, "--programs",
                   "bench", "--min-trials", "2", "--budget", "60", "--processes-per-trial", "0",
                   "-o", out, "--baseline", long_run, "--junit", junit},
                  {{"GPUPARITY_RECORDED_OUTPUT",
                    std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"}});
  const auto rep = read_json(out);
  EXPECT_EQ(rep["verdict"], "parity") << r.err;  // identical samples on both sides
  EXPECT_EQ(rep["metrics"].size(), 28u);
  // The plan is fixed by the first measured pair's cost: these pairs take well under a
  // second, so it is --max-trials (40). The rule's Welch interval is defined from 2 samples per side, and identical samples on each
  // side give a point: at the first look (--min-trials 2) every metric is conclusive and the
  // run stops: a warm-up and two trials per side.
  EXPECT_EQ(rep["trials"].size(), 6u);
  EXPECT_EQ(rep["confidence"], 0.95);
  EXPECT_EQ(rep["rule"]["planned_trials"], 40);
  EXPECT_EQ(rep["rule"]["planned_trials_from"], "the first measured pair");
  EXPECT_GT(rep["rule"]["plan_pair_seconds"].get<double>(), 0.0);
  EXPECT_EQ(rep["config"]["margins"]["round_trip"], 0.10);
  EXPECT_EQ(rep["config"]["margins"]["startup"], 0.15);
  int round_trips = 0;
  for (const auto& m : rep["metrics"]) {
    EXPECT_EQ(m["decides"].get<bool>(), m["class"] != "host") << m["name"];
    EXPECT_EQ(m["native"]["n"], 2);
    EXPECT_EQ(m["container"]["n"], 2);
    EXPECT_EQ(m["ci_low"], m["ci_high"]) << m["name"];  // a point
    if (m["class"] == "round_trip") {
      ++round_trips;
      EXPECT_EQ(m["margin"], 0.10) << m["name"];
    }
  }
  EXPECT_EQ(round_trips, 3);  // launch, graph_launch, memcpy_h2d_small
  ASSERT_TRUE(rep.contains("baseline_comparison"));
  const auto& cmp = rep["baseline_comparison"];
  EXPECT_EQ(cmp["baseline"]["source"], long_run);
  EXPECT_EQ(cmp["metrics"].size(), 28u);
  const int cmp_code = cmp["exit_code"].get<int>();
  EXPECT_EQ(r.exit_code, cmp_code == 0 ? 0 : cmp_code) << r.err;  // parity combined with it
  EXPECT_EQ(rep["exit_code"], r.exit_code);
  EXPECT_FALSE(rep["telemetry"]["available"].get<bool>());
  EXPECT_NE(r.out.find("against the baseline: "), std::string::npos) << r.out;
  EXPECT_NE(test::slurp(junit).find("gpuparity regression vs baseline"), std::string::npos);
  for (const auto& f : {out, junit, script}) std::remove(f.c_str());
}

// Focus: once a look has settled a metric, later trials run only the families of cases
// (latency, gemm, ...) that still have an open metric; settled metrics take no more samples.
// The workload replays the recorded H100 JSON, honours --benchmark_filter as Google
// Benchmark does (a regex searched in each case's full name), logs its argv, and scales
// latency/launch by a factor that changes from process to process (±30%), so that metric
// stays inconclusive while the others are settled at the first look, three trials per side
// (--min-trials): identical samples give Welch's interval as a point.
TEST(HarnessCli, FocusedTrialsRunOnlyTheOpenCases) {
  const auto dir = ::testing::TempDir();
  const auto tag = std::to_string(getpid());
  const auto script = dir + "noisy-workload-" + tag + ".py";
  const auto log = dir + "noisy-workload-" + tag + ".log";
  std::ofstream(script) << R"(#!/usr/bin/env python3
import json, os, re, sys
log = os.environ["GPUPARITY_ARGV_LOG"]
k = sum(1 for _ in open(log)) if os.path.exists(log) else 0
with open(log, "a") as f:
    f.write(json.dumps(sys.argv[1:]) + "\n")
doc = json.load(open(os.environ["GPUPARITY_RECORDED_OUTPUT"]))
filt = next((a.split("=", 1)[1] for a in sys.argv if a.startswith("--benchmark_filter=")), "")
neg = filt.startswith("-")  # a negated filter, as in Google Benchmark
doc["benchmarks"] = [b for b in doc["benchmarks"] if bool(re.search(filt[1:] if neg else filt, b["name"])) != neg]
for b in doc["benchmarks"]:
    if b["run_name"].startswith("latency/launch/"):
        b["latency_seconds"] *= 1 + 0.3 * ((k * 7919) % 13 - 6) / 6
json.dump(doc, sys.stdout)
)";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const auto out = temp_report("focus");
  const std::vector<std::pair<std::string, std::string>> env = {
      {"GPUPARITY_RECORDED_OUTPUT",
       std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"},
      {"GPUPARITY_ARGV_LOG", log}};
  const auto r = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script,
                              "--programs", "bench", "--max-trials", "8", "--budget", "300",
                              "--no-telemetry", "--processes-per-trial", "0", "-o", out},
                             env);
  EXPECT_EQ(r.exit_code, 3) << r.err;
  const auto rep = read_json(out);
  EXPECT_EQ(rep["verdict"], "inconclusive");
  EXPECT_TRUE(rep["config"]["focus"].get<bool>());
  // The summary shows the trials per side behind each verdict.
  // Grouped by verdict, the open one first, each row ending in its trials per side.
  const auto open = r.out.find("\ninconclusive (1):\n"), settled = r.out.find("\nparity (");
  ASSERT_NE(open, std::string::npos) << r.out;
  EXPECT_LT(open, settled) << r.out;
  EXPECT_NE(r.out.find(" 8/8\n", open), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(" 3/3\n", settled), std::string::npos) << r.out;
  // The advice: the noisy metric, and a budget beyond this run's time (the missing pairs at
  // the length of the last, focused one).
  ASSERT_TRUE(rep.contains("advice")) << r.out;
  EXPECT_EQ(rep["advice"]["metric"], "latency/launch:latency_seconds");
  EXPECT_GT(rep["advice"]["trials_needed_per_side"].get<int>(), 8);
  EXPECT_GE(rep["advice"]["suggested_budget_seconds"].get<double>(),
            rep["timings"]["wall_seconds"].get<double>());
  for (const auto& m : rep["metrics"]) {
    const bool noisy = m["name"] == "latency/launch:latency_seconds";
    EXPECT_EQ(m["verdict"], noisy ? "inconclusive" : "parity") << m["name"];
    // Settled at the look after three measured trials per side (latency/device_memory too,
    // though its family kept running); the noisy one ran to eight.
    EXPECT_EQ(m["native"]["n"], noisy ? 8 : 3) << m["name"];
    EXPECT_EQ(m["container"]["n"], noisy ? 8 : 3) << m["name"];
    EXPECT_EQ(m.contains("settled_after"), !noisy) << m["name"];
    if (!noisy) {
      EXPECT_EQ(m["settled_after"], 3) << m["name"];
    }
  }
  // The workload's argv log, one line per process, emptied for the next run.
  auto take_lines = [&log] {
    std::vector<std::string> lines;
    std::ifstream f(log);
    for (std::string line; std::getline(f, line);) lines.push_back(line);
    std::remove(log.c_str());
    return lines;
  };
  // 9 trials per side: the warm-up runs with the default filter (every case but the node-wide
  // peer/ and nccl/ ones; the user gave none), the next 3 every case
  // it measured, named exactly, the last 5 only the latency family, on both sides.
  const std::string every_case_filter =
      "--benchmark_filter=^(compute/fp16|compute/fp32|compute/fp64|copy/d2d|copy/d2h_pageable|"
      "copy/d2h_pinned|copy/h2d_pageable|copy/h2d_pinned|gemm/cublaslt/bf16/4096|"
      "gemm/cublaslt/bf16/8192|gemm/cublaslt/fp16/4096|gemm/cublaslt/fp16/8192|"
      "gemm/cublaslt/fp32/4096|gemm/cublaslt/fp32/8192|gemm/cublaslt/fp8/4096|"
      "gemm/cublaslt/fp8/8192|gemm/cublaslt/tf32/4096|gemm/cublaslt/tf32/8192|"
      "latency/device_memory|latency/graph_launch|latency/launch|latency/memcpy_h2d_small|"
      "startup/first_kernel|stream/add|stream/copy|stream/dot|stream/scale|stream/triad)(/.*)?$";
  const auto filter_of = [](const std::string& line) {
    std::string f;
    for (const auto& a : nlohmann::json::parse(line))
      if (a.get<std::string>().rfind("--benchmark_filter=", 0) == 0) f = a.get<std::string>();
    return f;
  };
  std::vector<std::string> filters;
  for (const auto& line : take_lines()) filters.push_back(filter_of(line));
  ASSERT_EQ(filters.size(), 18u);
  for (std::size_t i = 0; i < filters.size(); ++i)
    EXPECT_EQ(filters[i], i < 2 ? "--benchmark_filter=-^(peer|nccl)/"
                          : i < 8
                              ? every_case_filter
                              : "--benchmark_filter=^(latency/device_memory|latency/graph_launch|"
                                "latency/launch|latency/memcpy_h2d_small)(/.*)?$")
        << i;
  for (const auto& t : rep["trials"])
    if (t["index"].get<int>() > 3) {
      ASSERT_EQ(t["programs"].size(), 1u);
      EXPECT_EQ(t["programs"][0]["metrics"].size(), 4u);  // the four latency cases
    }

  // --no-focus: every trial runs every case.
  const auto all =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script, "--programs",
                   "bench", "--max-trials", "6", "--budget", "300", "--no-telemetry", "--no-focus",
                   "--processes-per-trial", "0", "-o", out},
                  env);
  EXPECT_EQ(all.exit_code, 3) << all.err;
  for (const auto& m : read_json(out)["metrics"]) EXPECT_EQ(m["native"]["n"], 6) << m["name"];
  const auto unfocused = take_lines();
  ASSERT_EQ(unfocused.size(), 14u);
  for (std::size_t i = 0; i < unfocused.size(); ++i)
    EXPECT_EQ(filter_of(unfocused[i]), i < 2 ? "--benchmark_filter=-^(peer|nccl)/" : every_case_filter)
        << i;

  // With the user's --filter, focused trials stay inside it: the open latency family is
  // named by the cases the run measured, not by its prefix.
  const auto filtered =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script, "--programs",
                   "bench", "--filter", "latency/(launch|graph_launch)", "--max-trials", "6",
                   "--budget", "300", "--no-telemetry", "--processes-per-trial", "0", "-o", out},
                  env);
  EXPECT_EQ(filtered.exit_code, 3) << filtered.err;
  EXPECT_EQ(read_json(out)["metrics"].size(), 2u);
  const auto last = take_lines();
  ASSERT_EQ(last.size(), 14u);
  EXPECT_NE(last.back().find("--benchmark_filter=^(latency/graph_launch|latency/launch)(/.*)?$"),
            std::string::npos)
      << last.back();
  EXPECT_NE(last.front().find("--benchmark_filter=latency/(launch|graph_launch)"),
            std::string::npos)
      << last.front();
  for (const auto& f : {out, script}) std::remove(f.c_str());
}

// --benchmark_repetitions inside one trial: one process, so one sample (their median).
TEST(HarnessCli, RepetitionsInOneTrialAreOneSample) {
  const auto dir = ::testing::TempDir();
  const auto script = dir + "repeating-workload-" + std::to_string(getpid()) + ".py";
  std::ofstream(script) << R"(#!/usr/bin/env python3
import json, os, sys
doc = json.load(open(os.environ["GPUPARITY_RECORDED_OUTPUT"]))
rows = []
for b in doc["benchmarks"]:
    for rep, f in enumerate((0.9, 1.0, 1.3)):
        c = dict(b, repetition_index=rep)
        for k in ("bytes_per_second", "flop_per_second", "latency_seconds", "seconds",
                  "submit_seconds"):
            if k in c: c[k] *= f
        rows.append(c)
    rows.append(dict(b, run_type="aggregate", aggregate_name="mean"))
doc["benchmarks"] = rows
json.dump(doc, sys.stdout)
)";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const auto out = temp_report("reps");
  const auto r = run_program(
      {GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script, "--programs", "bench",
       "--max-trials", "5", "--no-telemetry", "--processes-per-trial", "0", "-o", out},
      {{"GPUPARITY_RECORDED_OUTPUT",
        std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json"}});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto recorded = read_json(std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json");
  const auto rep = read_json(out);
  ASSERT_EQ(rep["metrics"].size(), 28u);
  for (const auto& m : rep["metrics"]) {
    // Settled at the first look, 3 trials per side (--min-trials): one sample per trial,
    // not 9 from their 3 repetitions each.
    EXPECT_EQ(m["native"]["n"], 3) << m["name"];
    // The median of 0.9x, 1.0x and 1.3x: the recorded value itself.
    const std::string name = m["name"];
    const std::string case_name = name.substr(0, name.rfind(':'));
    for (const auto& b : recorded["benchmarks"]) {
      if (b["run_name"].get<std::string>().rfind(case_name + "/", 0) != 0) continue;
      EXPECT_DOUBLE_EQ(m["native"]["median"].get<double>(),
                       b[m["counter"].get<std::string>()].get<double>())
          << name;
    }
  }
  for (const auto& f : {out, script}) std::remove(f.c_str());
}

}  // namespace
}  // namespace gpuparity
