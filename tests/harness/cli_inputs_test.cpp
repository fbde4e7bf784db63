// gpuparity against hostile inputs: numbers a user gets wrong, workloads that print
// malformed or binary output, and output paths that name devices, FIFOs, links, folders or
// the inputs themselves. Never a false pass, never an abort.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <thread>

#include "../fresh_dir.hpp"
#include "../run_program.hpp"

namespace gpuparity {
namespace {

using test::run_program;
using test::fresh_dir;
using test::slurp;

const std::string recorded = std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json";
const std::string long_run =
    std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/parity-podman-long.report.json";

mode_t lmode(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 ? st.st_mode : 0;
}

// --- Numbers at the edge ----------------------------------------------------------------

// Each is refused at parse time (exit 2, the option and the fix named), before a dry run
// could print anything: 1 (meant as 1%) makes degraded impossible, nan passes every "<".
TEST(InputsCli, MarginsBudgetsAndTimeoutsOutOfRangeExitTwo) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"--margin-bandwidth", "1"},  {"--margin-compute", "nan"},     {"--margin-latency", "0"},
      {"--margin-host", "0.5"},     {"--margin-bandwidth", "-0.01"}, {"--margin-compute", "inf"},
      {"--budget", "nan"},          {"--budget", "1e400"},           {"--budget", "0"},
      {"--trial-timeout", "nan"},   {"--trial-timeout", "1e300"},    {"--trial-timeout", "-5"},
      {"--margin-round-trip", "1"}, {"--margin-startup", "nan"}};
  for (const auto& [option, value] : bad) {
    const auto r = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", "/bin/true",
                                option, value, "--dry-run"});
    EXPECT_EQ(r.exit_code, 2) << option << " " << value << ": " << r.err;
    EXPECT_NE(r.err.find(option), std::string::npos) << r.err;
  }
  const auto one =
      run_program({GPUPARITY_EXE, "compare", long_run, long_run, "--margin-latency", "1"});
  EXPECT_EQ(one.exit_code, 2) << one.err;
  EXPECT_NE(one.err.find("0.01 means 1%"), std::string::npos) << one.err;
  // The same validator accepts what a user means.
  const auto ok = run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", "/bin/true",
                               "--margin-bandwidth", "0.01", "--margin-round-trip", "0.07",
                               "--budget", "30", "--trial-timeout", "1e3", "--dry-run"});
  EXPECT_EQ(ok.exit_code, 0) << ok.err;
}

// --- Hostile workload output --------------------------------------------------------------

// The recorded H100 output, broken one way per GPUPARITY_HOSTILE.
const char* hostile_workload = R"(#!/usr/bin/env python3
import json, os, sys
case = os.environ["GPUPARITY_HOSTILE"]
doc = json.load(open(os.environ["GPUPARITY_RECORDED_OUTPUT"]))
first = next(b for b in doc["benchmarks"] if "bytes_per_second" in b)
if case == "cut_utf8_stderr":
    sys.stderr.buffer.write(b"warning: caf\xc3")
elif case == "binary_stderr_and_exit":
    sys.stderr.buffer.write(bytes(range(256)) * 4)
    sys.exit(1)
elif case == "invalid_utf8_stdout":
    sys.stdout.buffer.write(b'{"benchmarks": [{"run_name": "caf\xc3\x28"}]}')
    sys.exit(0)
elif case == "overflowing_rate":
    first["bytes_per_second"] = "OVERFLOW"
elif case == "error_flag_is_text":
    first["error_occurred"] = "yes"
elif case == "name_is_a_number":
    first["run_name"] = 5
    first["name"] = 5
elif case == "rate_is_text":
    first["bytes_per_second"] = "fast"
elif case == "rate_is_null":
    first["bytes_per_second"] = None
elif case == "case_is_not_an_object":
    doc["benchmarks"].append(5)
elif case == "submit_is_text":
    launch = next(b for b in doc["benchmarks"] if b["run_name"].startswith("latency/launch/"))
    launch["submit_seconds"] = "fast"
sys.stdout.write(json.dumps(doc).replace('"OVERFLOW"', "1e400"))
)";

struct hostile_case {
  const char* name;
  int exit_code;       // of the run
  const char* reason;  // in the report's error ("" for a run that is not an error)
};

TEST(InputsCli, HostileWorkloadOutputEndsTheRunAsAnErrorWithAReport) {
  const auto d = fresh_dir("hostile");
  const auto script = d + "/workload.py";
  std::ofstream(script) << hostile_workload;
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const hostile_case cases[] = {
      // Two trials per side of identical samples: Welch's interval is a point, parity.
      {"cut_utf8_stderr", 0, ""},
      {"binary_stderr_and_exit", 4, "without a report"},
      {"invalid_utf8_stdout", 4, "not JSON"},
      {"overflowing_rate", 4, "not JSON"},
      {"error_flag_is_text", 4, "\"error_occurred\" is string, not a boolean"},
      {"name_is_a_number", 4, "\"run_name\" is number, not a string"},
      {"rate_is_text", 4, "bytes_per_second is string, not a number"},
      {"rate_is_null", 4, "bytes_per_second is null, not a number"},
      {"case_is_not_an_object", 4, "benchmarks[28]: is number, not an object"},
      {"submit_is_text", 4, "latency/launch: submit_seconds is string, not a number"}};
  for (const auto& c : cases) {
    const auto out = d + "/" + c.name + ".json";
    const auto r =
        run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script, "--programs",
                     "bench", "--min-trials", "2", "--max-trials", "2", "--no-telemetry", "-o", out,
                     "--junit", out + ".xml"},
                    {{"GPUPARITY_RECORDED_OUTPUT", recorded}, {"GPUPARITY_HOSTILE", c.name}});
    EXPECT_EQ(r.exit_code, c.exit_code) << c.name << ": " << r.err;
    EXPECT_EQ(r.err.find("terminate called"), std::string::npos) << c.name << ": " << r.err;
    nlohmann::json rep;
    try {
      rep = nlohmann::json::parse(slurp(out));
    } catch (const nlohmann::json::exception& e) {
      ADD_FAILURE() << c.name << ": no readable report (" << e.what() << ")";
      continue;
    }
    EXPECT_EQ(rep["exit_code"], c.exit_code) << c.name;
    if (c.exit_code == 4) {
      EXPECT_EQ(rep["verdict"], "error") << c.name;
      const std::string error = rep["error"].is_string() ? rep["error"].get<std::string>() : "";
      EXPECT_NE(error.find(c.reason), std::string::npos) << c.name << ": " << rep["error"];
    }
    EXPECT_NE(slurp(out + ".xml").find("<testsuites"), std::string::npos) << c.name;
  }
  // The cut character is written as U+FFFD, the rest of the text kept.
  const auto cut = nlohmann::json::parse(slurp(d + "/cut_utf8_stderr.json"), nullptr, false);
  EXPECT_EQ(cut.is_discarded() ? "" : cut["trials"][0]["programs"][0]["stderr_tail"],
            "warning: caf\xef\xbf\xbd");
}

// --- Output paths ---------------------------------------------------------------------------

TEST(InputsCli, AnOutputLinkStaysALinkAndItsTargetGetsTheContent) {
  const auto d = fresh_dir("link");
  std::ofstream(d + "/real.json") << "old";
  ASSERT_EQ(symlink("real.json", (d + "/link.json").c_str()), 0);
  const auto r =
      run_program({GPUPARITY_EXE, "compare", long_run, long_run, "-o", d + "/link.json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(S_ISLNK(lmode(d + "/link.json")));
  EXPECT_EQ(nlohmann::json::parse(slurp(d + "/real.json"))["kind"], "gpuparity-comparison");
}

// A private null device where one can be made (root); else /dev/null, which a process that
// is not root cannot replace, so the test cannot damage the system's either way.
TEST(InputsCli, ACharacterDeviceOutputIsWrittenInPlace) {
  const auto d = fresh_dir("chr");
  std::string dev = d + "/null";
  if (mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    if (geteuid() == 0) GTEST_SKIP() << "cannot make a private null device here";
    dev = "/dev/null";
  }
  const auto r = run_program(
      {GPUPARITY_EXE, "compare", long_run, long_run, "-o", dev, "--junit", dev, "--prom", dev});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(S_ISCHR(lmode(dev)));
  EXPECT_TRUE(S_ISCHR(lmode("/dev/null")));
}

// Reads a FIFO until its writer closes it, for at most 60 s.
std::string read_fifo(const std::string& path) {
  const int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK);
  if (fd < 0) return "";
  std::string got;
  char buf[65536];
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) got.append(buf, static_cast<std::size_t>(n));
    if (n == 0 && !got.empty()) break;  // the writer came and went
    if (n <= 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  close(fd);
  return got;
}

TEST(InputsCli, AFifoOutputIsWrittenInPlaceOrRefusedWithoutAReader) {
  const auto d = fresh_dir("fifo");
  const auto fifo = d + "/fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0644), 0);
  auto reader = std::async(std::launch::async, read_fifo, fifo);
  const auto r = run_program({GPUPARITY_EXE, "compare", long_run, long_run, "-o", fifo});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(reader.get())["kind"], "gpuparity-comparison");
  EXPECT_TRUE(S_ISFIFO(lmode(fifo)));
  const auto none = run_program({GPUPARITY_EXE, "compare", long_run, long_run, "-o", fifo});
  EXPECT_EQ(none.exit_code, 4) << none.err;
  EXPECT_NE(none.err.find("nobody reads"), std::string::npos) << none.err;
  EXPECT_TRUE(S_ISFIFO(lmode(fifo)));
}

TEST(InputsCli, AnOutputThatIsAnInputIsRefusedBeforeAnyTrial) {
  const auto d = fresh_dir("same");
  const auto base = d + "/baseline.json";
  std::filesystem::copy_file(long_run, base);
  const auto before = slurp(base);
  const auto script = d + "/recorded.sh";
  std::ofstream(script) << "#!/bin/sh\ncat \"$GPUPARITY_RECORDED_OUTPUT\"\n";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const auto run =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", script, "--programs",
                   "bench", "--no-telemetry", "--baseline", base, "-o", d + "/./baseline.json"},
                  {{"GPUPARITY_RECORDED_OUTPUT", recorded}});
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("--baseline"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("[native"), std::string::npos) << "no trial may run: " << run.err;
  EXPECT_EQ(slurp(base), before);
  // compare: the output is the candidate (through a link), or two outputs are one file.
  ASSERT_EQ(symlink("baseline.json", (d + "/cand.json").c_str()), 0);
  EXPECT_EQ(
      run_program({GPUPARITY_EXE, "compare", long_run, d + "/cand.json", "-o", base}).exit_code, 2);
  EXPECT_EQ(slurp(base), before);
  EXPECT_EQ(run_program(
                {GPUPARITY_EXE, "compare", long_run, long_run, "-o", d + "/x", "--junit", d + "/x"})
                .exit_code,
            2);
  EXPECT_FALSE(std::filesystem::exists(d + "/x"));
  EXPECT_EQ(run_program({GPUPARITY_EXE, "baseline", base, "-o", base}).exit_code, 2);
  EXPECT_EQ(run_program({GPUPARITY_EXE, "report", base, "--html", base}).exit_code, 2);
  EXPECT_EQ(slurp(base), before);
}

// A bad --junit, --prom or -o is found before the first trial, not after the whole run
// (whose report then said exit 0 while the process exited 4).
TEST(InputsCli, UnwritableOutputsAreFoundBeforeAnyTrial) {
  const auto d = fresh_dir("early");
  const auto script = d + "/recorded.sh";
  std::ofstream(script) << "#!/bin/sh\ncat \"$GPUPARITY_RECORDED_OUTPUT\"\n";
  ASSERT_EQ(chmod(script.c_str(), 0755), 0);
  const std::vector<std::vector<std::string>> bad = {
      {"--junit", d + "/no/such/r.xml"}, {"--prom", d}, {"-o", d}};
  for (const auto& extra : bad) {
    std::vector<std::string> argv = {
        GPUPARITY_EXE, "run",           "--native-vs-native", "--bench", script,
        "--programs",  "bench",         "--min-trials",       "2",       "--max-trials",
        "2",           "--no-telemetry"};
    if (extra[0] != "-o") argv.insert(argv.end(), {"-o", d + "/r.json"});
    argv.insert(argv.end(), extra.begin(), extra.end());
    const auto r = run_program(argv, {{"GPUPARITY_RECORDED_OUTPUT", recorded}});
    EXPECT_EQ(r.exit_code, 4) << extra[0] << ": " << r.err;
    EXPECT_NE(r.err.find("(" + extra[0] + ")"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("[native"), std::string::npos) << "no trial may run: " << r.err;
    EXPECT_FALSE(std::filesystem::exists(d + "/r.json")) << extra[0];
  }
  const auto cmp =
      run_program({GPUPARITY_EXE, "compare", long_run, long_run, "-o", d + "/c.json", "--prom", d});
  EXPECT_EQ(cmp.exit_code, 4) << cmp.err;
  EXPECT_FALSE(std::filesystem::exists(d + "/c.json"))
      << "nothing is written when one output is bad";
}

// "-" is standard output where a command's stdout is free for it, never a file named "-".
TEST(InputsCli, DashIsStandardOutputWhereThatMakesSense) {
  const auto d = fresh_dir("dash");
  const auto cmp = run_program(
      {"/usr/bin/env", "-C", d, GPUPARITY_EXE, "compare", long_run, long_run, "-o", "-"});
  EXPECT_EQ(cmp.exit_code, 0) << cmp.err;
  EXPECT_EQ(nlohmann::json::parse(cmp.out)["kind"], "gpuparity-comparison");
  const auto rep =
      run_program({"/usr/bin/env", "-C", d, GPUPARITY_EXE, "report", long_run, "--junit", "-"});
  EXPECT_EQ(rep.exit_code, 0) << rep.err;
  EXPECT_EQ(rep.out.rfind("<?xml", 0), 0u) << rep.out.substr(0, 200);
  const auto base =
      run_program({"/usr/bin/env", "-C", d, GPUPARITY_EXE, "baseline", long_run, "-o", "-"});
  EXPECT_EQ(base.exit_code, 0) << base.err;
  EXPECT_EQ(nlohmann::json::parse(base.out)["kind"], "gpuparity-baseline");
  EXPECT_EQ(
      run_program({GPUPARITY_EXE, "report", long_run, "--junit", "-", "--prom", "-"}).exit_code, 2);
  const auto sim = run_program(
      {"/usr/bin/env", "-C", d, GPUPARITY_EXE, "simulate", long_run, "--runs", "2", "-o", "-"});
  EXPECT_EQ(sim.exit_code, 0) << sim.err;
  EXPECT_EQ(nlohmann::json::parse(sim.out)["kind"], "gpuparity-simulation");
  // run's report is a file, written atomically, and its summary owns stdout: every one of
  // its outputs refuses "-" as a usage error, before any trial.
  for (const char* flag : {"-o", "--junit", "--prom"}) {
    const auto run = run_program({"/usr/bin/env", "-C", d, GPUPARITY_EXE, "run",
                                  "--native-vs-native", "--bench", "/bin/true", flag, "-"});
    EXPECT_EQ(run.exit_code, 2) << flag << ": " << run.err;
    EXPECT_NE(run.err.find("cannot write " + std::string(flag) + " to standard output"),
              std::string::npos)
        << run.err;
    EXPECT_EQ(run.err.find("[native"), std::string::npos) << "no trial may run: " << run.err;
  }
  EXPECT_FALSE(std::filesystem::exists(d + "/-"));
  EXPECT_TRUE(std::filesystem::is_empty(d)) << "no command wrote a file";
}

}  // namespace
}  // namespace gpuparity
