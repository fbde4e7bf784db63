// gpuparity's command-line conventions, run as a user runs the real binary: one failure
// printed once, --quiet, help that names what is required and shows examples, a parse error
// that points to the subcommand's own help, and a baseline that never replaces a file
// unasked.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "../fresh_dir.hpp"
#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;
using test::fresh_dir;
using test::slurp;

const std::string long_run =
    std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/parity-podman-long.report.json";
// Hides every GPU on a GPU machine; a machine without one fails the same way.
const std::vector<std::pair<std::string, std::string>> no_gpu = {{"CUDA_VISIBLE_DEVICES", "-1"}};

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::vector<std::string> failing_run(const std::string& out, bool quiet) {
  std::vector<std::string> argv = {GPUPARITY_EXE,
                                   "run",
                                   "--native-vs-native",
                                   "--bench",
                                   GPUPARITY_BENCH_EXE,
                                   "--filter",
                                   "stream/copy",
                                   "-o",
                                   out};
  if (quiet) argv.push_back("--quiet");
  return argv;
}

// Both sides fail the warm-up with the same message; before, stderr carried it three
// times (each side's trial line and the run's error).
TEST(ConventionsCli, OneFailureIsPrintedOnce) {
  const auto d = fresh_dir("once");
  const auto r = run_program(failing_run(d + "/r.json", false), no_gpu);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(count(r.err, "no usable CUDA GPU"), 1u) << r.err;
  EXPECT_EQ(count(r.err, "[native-b  #0 warm-up]"), 1u) << r.err;
  EXPECT_NE(r.err.find("ERROR: native trial: the same error as above"), std::string::npos) << r.err;
  // The report keeps every trial's whole message.
  const auto rep = nlohmann::json::parse(slurp(d + "/r.json"));
  ASSERT_EQ(rep["trials"].size(), 2u);
  for (const auto& t : rep["trials"])
    EXPECT_NE(t["error"].get<std::string>().find("no usable CUDA GPU"), std::string::npos);
  EXPECT_NE(rep["error"].get<std::string>().find("no usable CUDA GPU"), std::string::npos);
}

TEST(ConventionsCli, QuietRunPrintsItsErrorOnceAndNoProgress) {
  const auto d = fresh_dir("quiet");
  const auto r = run_program(failing_run(d + "/r.json", true), no_gpu);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_EQ(r.err.find("[native"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("report written"), std::string::npos) << r.err;
  EXPECT_EQ(count(r.err, "gpuparity: ERROR: native trial: gpuparity-bench stream/copy"), 1u)
      << r.err;
  EXPECT_EQ(count(r.err, "\n"), 1u) << "one line, the error: " << r.err;
  EXPECT_NE(r.out.find("verdict: error"), std::string::npos) << "stdout is unchanged";
  EXPECT_TRUE(std::filesystem::exists(d + "/r.json"));
}

TEST(ConventionsCli, QuietBaselineAndCompare) {
  const auto d = fresh_dir("quiet_baseline");
  const auto loud = run_program({GPUPARITY_EXE, "baseline", long_run, "-o", d + "/a.json"});
  EXPECT_EQ(loud.exit_code, 0) << loud.err;
  EXPECT_NE(loud.err.find("metrics from 1 report(s) written to"), std::string::npos) << loud.err;
  const auto quiet = run_program({GPUPARITY_EXE, "baseline", "-q", long_run, "-o", d + "/b.json"});
  EXPECT_EQ(quiet.exit_code, 0) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  EXPECT_EQ(slurp(d + "/a.json").size(), slurp(d + "/b.json").size());
  const auto cmp = run_program({GPUPARITY_EXE, "compare", "--quiet", d + "/b.json", long_run});
  EXPECT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_EQ(cmp.err, "");
  EXPECT_NE(cmp.out.find("no_regression"), std::string::npos) << "the summary still prints";
}

// A default run settles most metrics at 3 trials a side: a baseline of one such run cannot
// judge the next one, and says so once; two runs pooled can, and say nothing.
TEST(ConventionsCli, ABaselineTooThinToJudgeADefaultRunSaysHowToThickenIt) {
  const auto d = fresh_dir("thin_baseline");
  const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/podman-2026-12-07/";
  const auto one = run_program(
      {GPUPARITY_EXE, "baseline", "-q", runs + "parity-podman-1.report.json", "-o", d + "/one.json"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(count(one.err, "warning: "), 1u) << one.err;
  EXPECT_NE(one.err.find("metrics have fewer than 6 samples"), std::string::npos) << one.err;
  EXPECT_NE(one.err.find("--min-trials 6"), std::string::npos) << one.err;
  const auto next = run_program(
      {GPUPARITY_EXE, "compare", "-q", d + "/one.json", runs + "parity-podman-2.report.json"});
  EXPECT_EQ(next.exit_code, 3) << "what the warning is about: " << next.out;
  const auto two = run_program({GPUPARITY_EXE, "baseline", "-q", runs + "parity-podman-1.report.json",
                                runs + "parity-podman-2.report.json", "-o", d + "/two.json"});
  EXPECT_EQ(two.exit_code, 0) << two.err;
  EXPECT_EQ(two.err, "");
  const auto judged = run_program(
      {GPUPARITY_EXE, "compare", "-q", d + "/two.json", runs + "parity-podman-3.report.json"});
  EXPECT_EQ(judged.exit_code, 0) << judged.out;
}

// An A/A run's second side is native: pooled with container runs as "container" samples it
// would make as_recorded describe neither, which the simulator says; alone it says nothing.
TEST(ConventionsCli, SimulateSaysWhenNativeVsNativeRunsJoinTheContainerPool) {
  const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/podman-2026-12-07/";
  const auto mixed = run_program({GPUPARITY_EXE, "simulate", "--runs", "2",
                                  runs + "parity-podman-1.report.json",
                                  runs + "aa-native-1.report.json"});
  EXPECT_EQ(mixed.exit_code, 0) << mixed.err;
  EXPECT_EQ(count(mixed.err, "warning: 1 of 2 reports are native-vs-native runs"), 1u) << mixed.err;
  const auto alone = run_program(
      {GPUPARITY_EXE, "simulate", "--runs", "2", runs + "parity-podman-1.report.json"});
  EXPECT_EQ(alone.exit_code, 0) << alone.err;
  EXPECT_EQ(alone.err.find("warning"), std::string::npos) << alone.err;
}

TEST(ConventionsCli, RunHelpMarksTheImageRequiredAndShowsExamples) {
  const auto r = run_program({GPUPARITY_EXE, "run", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("REQUIRED for a container run (not with --native-vs-native)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("Examples:\n  gpuparity run --image "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("--quiet"), std::string::npos);
  // Required in words, not to the parser: an A/A run has no image.
  const auto aa = run_program(
      {GPUPARITY_EXE, "run", "--native-vs-native", "--dry-run", "--bench", GPUPARITY_BENCH_EXE});
  EXPECT_EQ(aa.exit_code, 0) << aa.err;
  const auto no_image = run_program({GPUPARITY_EXE, "run", "--bench", GPUPARITY_BENCH_EXE});
  EXPECT_EQ(no_image.exit_code, 2);
  EXPECT_NE(no_image.err.find("run needs --image IMAGE"), std::string::npos) << no_image.err;
}

TEST(ConventionsCli, ParseErrorsPointToTheSubcommandsHelp) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"run", "--no-such-flag"}, "see gpuparity run --help"},
      {{"compare", "--no-such-flag", long_run, long_run}, "see gpuparity compare --help"},
      {{"baseline"}, "see gpuparity baseline --help"},
      {{"report", long_run, "--html"}, "see gpuparity report --help"},
      {{"simulate", long_run, "--runs", "x"}, "see gpuparity simulate --help"},
      {{"--no-such-flag"}, "see gpuparity --help"},
      {{}, "see gpuparity --help"}};
  for (const auto& [args, pointer] : cases) {
    std::vector<std::string> argv = {GPUPARITY_EXE};
    argv.insert(argv.end(), args.begin(), args.end());
    const auto r = run_program(argv);
    EXPECT_EQ(r.exit_code, 2) << pointer << ": " << r.err;
    EXPECT_NE(r.err.find(pointer + "\n"), std::string::npos) << r.err;
  }
}

// From the repository's root the default path is the committed baseline: it is never
// replaced unless --force says so. A file -o names is replaced, as every command's -o is.
TEST(ConventionsCli, BaselineReplacesTheDefaultPathOnlyWithForce) {
  const auto d = fresh_dir("force");
  const std::string committed = d + "/results/baselines/NVIDIA_H100_80GB_HBM3/baseline.json";
  const auto in_d = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"/usr/bin/env", "-C", d, GPUPARITY_EXE, "baseline", long_run};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_program(argv);
  };
  const auto first = in_d({});
  EXPECT_EQ(first.exit_code, 0) << first.err;
  ASSERT_TRUE(std::filesystem::exists(committed)) << first.err;
  std::filesystem::resize_file(committed, 3);  // stands for the committed file's content
  const auto again = in_d({});
  EXPECT_EQ(again.exit_code, 2) << again.err;
  EXPECT_NE(again.err.find("exists (the default path: -o was not given): pass -o FILE to write "
                           "another file, or --force to replace it"),
            std::string::npos)
      << again.err;
  EXPECT_EQ(std::filesystem::file_size(committed), 3u) << "the file was replaced";
  const auto forced = in_d({"--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(committed))["kind"], "gpuparity-baseline");
  std::filesystem::resize_file(committed, 3);
  const auto named = in_d({"-o", committed});
  EXPECT_EQ(named.exit_code, 0) << named.err;
  EXPECT_EQ(nlohmann::json::parse(slurp(committed))["kind"], "gpuparity-baseline");
  const auto to_stdout = in_d({"-o", "-"});
  EXPECT_EQ(to_stdout.exit_code, 0) << "standard output is never an existing file";
}

}  // namespace
}  // namespace gpuparity
