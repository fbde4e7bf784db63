// `gpuparity run` with misbehaving workloads, a fake container engine, and signals: the
// run ends with a report naming the cause, and leaves no process running. The workloads
// and the engine are shell scripts; every process they start records its pid, so the
// test can check by pid that it is gone.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "../process_probe.hpp"
#include "../run_program.hpp"

namespace gpuparity {
namespace {

using env_list = std::vector<std::pair<std::string, std::string>>;
using test::run_program;

const std::string recorded = std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json";

// A fresh folder for one test's scripts, logs and report.
struct scratch {
  std::string dir;
  explicit scratch(const std::string& tag)
      : dir(::testing::TempDir() + "gpuparity_supervise_" + tag + "_" + std::to_string(getpid())) {
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
  }
  ~scratch() { std::filesystem::remove_all(dir); }
  std::string path(const std::string& name) const { return dir + "/" + name; }
  std::string script(const std::string& name, const std::string& text) const {
    const auto p = path(name);
    std::ofstream(p) << text;
    chmod(p.c_str(), 0755);
    return p;
  }
};

std::vector<pid_t> recorded_pids(const std::string& file) {
  return test::pids_in(test::slurp(file));
}

// Every recorded pid, and its process group, is gone (within a few seconds: a SIGKILL
// takes a moment to land).
void expect_all_gone(const std::string& pid_file, const std::string& what) {
  const auto pids = recorded_pids(pid_file);
  EXPECT_FALSE(pids.empty()) << what << ": no pid was recorded";
  for (pid_t pid : pids) {
    EXPECT_TRUE(test::gone_within([pid] { return test::is_running(pid); }))
        << what << ": pid " << pid << " still runs";
    EXPECT_TRUE(test::gone_within([pid] { return !test::group_members(pid).empty(); }))
        << what << ": process group " << pid << " still has members";
    kill(-pid, SIGKILL);  // if the test failed
    kill(pid, SIGKILL);
  }
}

nlohmann::json read_report(const std::string& path) {
  const auto text = test::slurp(path);
  return text.empty() ? nlohmann::json() : nlohmann::json::parse(text);
}

// Workloads that once hung gpuparity or ran away, each run natively on both sides
// (--native-vs-native) with a 2 s trial timeout: the run ends in well under a minute
// with an error report naming the cause, and the workload's processes are gone. A daemon
// that left the process group (setsid) is the one process gpuparity cannot stop: the
// report names it, and the test kills it.
TEST(SupervisionCli, MisbehavingWorkloadsEndInAnErrorReportNamingTheCause) {
  struct fault {
    const char* tag;
    const char* body;   // the workload script after `#!/bin/sh`; $PIDS is the pid file
    const char* cause;  // in the report's error
  };
  const fault faults[] = {
      {"setsid-daemon-then-hang",
       "setsid sh -c 'echo $$ >> \"$PIDS.daemon\"; exec sleep 300' &\n"
       "echo $$ >> \"$PIDS\"\nsleep 300\n",
       "did not finish within the trial timeout and was killed; a process it started outside "
       "its process group (setsid?) still holds its output open"},
      {"closed-output-then-hang", "exec >&- 2>&-\necho $$ >> \"$PIDS\"\nsleep 300\n",
       "did not finish within the trial timeout and was killed"},
      {"report-then-setsid-daemon",
       "cat \"$GPUPARITY_RECORDED_OUTPUT\"\n"
       "setsid sh -c 'echo $$ >> \"$PIDS.daemon\"; exec sleep 300' &\n"
       "echo $$ >> \"$PIDS\"\nuntil [ -s \"$PIDS.daemon\" ]; do sleep 0.01; done\n",
       "exited, but a process it started outside its process group (setsid?) still holds its "
       "output open"},
      {"endless-output", "echo $$ >> \"$PIDS\"\nexec yes\n",
       "wrote more than 64 MiB to stdout or stderr and was killed"},
  };
  for (const auto& f : faults) {
    scratch s(f.tag);
    const auto workload = s.script("workload.sh", std::string("#!/bin/sh\n") + f.body);
    const auto pids = s.path("pids"), out = s.path("report.json");
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_program(
        {GPUPARITY_EXE, "run", "--native-vs-native", "--bench", workload, "--programs", "bench",
         "--trial-timeout", "2", "--min-trials", "2", "--no-telemetry", "-o", out},
        {{"PIDS", pids}, {"GPUPARITY_RECORDED_OUTPUT", recorded}}, 60);
    const double wall =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (pid_t daemon : recorded_pids(pids + ".daemon")) kill(daemon, SIGKILL);
    EXPECT_EQ(r.exit_code, 4) << f.tag << ": " << r.err;
    EXPECT_LT(wall, 40.0) << f.tag;
    const auto rep = read_report(out);
    if (!rep.is_object()) {
      ADD_FAILURE() << f.tag << ": no report; " << r.err;
      continue;
    }
    EXPECT_EQ(rep["verdict"], "error") << f.tag;
    EXPECT_EQ(rep["exit_code"], 4) << f.tag;
    EXPECT_NE(rep["error"].get<std::string>().find(f.cause), std::string::npos)
        << f.tag << ": " << rep["error"];
    expect_all_gone(pids, f.tag);
  }
}

// A workload that prints a good report but leaves a background child each time: the run
// passes, and none of the children (one per trial, twelve here) outlives its trial.
TEST(SupervisionCli, ChildrenLeftByAGoodWorkloadAreKilledWithTheirTrial) {
  scratch s("leftovers");
  const auto workload = s.script("workload.sh",
                                 "#!/bin/sh\nsleep 300 >/dev/null 2>&1 &\necho $! >> \"$PIDS\"\n"
                                 "cat \"$GPUPARITY_RECORDED_OUTPUT\"\n");
  const auto pids = s.path("pids"), out = s.path("report.json");
  const auto r =
      run_program({GPUPARITY_EXE, "run", "--native-vs-native", "--bench", workload, "--programs",
                   "bench", "--min-trials", "2", "--no-telemetry", "-o", out},
                  {{"PIDS", pids}, {"GPUPARITY_RECORDED_OUTPUT", recorded}}, 120);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::size_t invocations = 0;  // a trial may run the program more than once (plan.hpp)
  const auto report = read_report(out);
  for (const auto& t : report["trials"]) invocations += t["programs"].size();
  EXPECT_EQ(recorded_pids(pids).size(), invocations);
  expect_all_gone(pids, "leftover children");
}

// A stand-in for docker (the argv of harness/runtime.cpp): `run` starts the "container" in
// a session of its own, as the engine's daemon would (killing this client leaves it
// running), records its pid under the container's name and waits for it; `kill NAME` kills
// that session's group. Every call is logged. HANG_ON=image makes `image inspect` hang.
const char* fake_docker = R"(#!/bin/sh
echo "$*" >> "$FAKE_ENGINE_DIR/engine.log"
case "$1" in
  --version) echo "Docker version 0.0.0-fake"; exit 0 ;;
  image)
    if [ "$HANG_ON" = image ]; then echo $$ >> "$PIDS"; touch "$MARKER"; sleep 300; fi
    echo "sha256:fake []"; exit 0 ;;
  kill) pid=$(cat "$FAKE_ENGINE_DIR/$2.pid") && kill -KILL "-$pid"; exit 0 ;;
  run)
    shift
    while [ "$1" != "$FAKE_IMAGE" ]; do [ "$1" = --name ] && name=$2; shift; done
    shift
    prog=$1; shift
    [ "$prog" = gpuparity-bench ] && prog=$FAKE_WORKLOAD
    GPUPARITY_FAKE_CONTAINER=1 setsid "$prog" "$@" &
    echo $! > "$FAKE_ENGINE_DIR/$name.pid"
    wait $!
    exit $? ;;
esac
exit 2
)";

// The workload: records its pid (its process group's id: run_process and setsid each make
// it a group leader), then on the side named by HANG_ON marks that it started and hangs,
// on the side named by RUNAWAY_ON writes without end; elsewhere it prints the recorded
// report.
const char* marking_workload = R"(#!/bin/sh
side=native; [ -n "$GPUPARITY_FAKE_CONTAINER" ] && side=container
echo $$ >> "$PIDS"
if [ "$side" = "$HANG_ON" ]; then touch "$MARKER"; sleep 300; fi
if [ "$side" = "$RUNAWAY_ON" ]; then exec yes; fi
cat "$GPUPARITY_RECORDED_OUTPUT"
)";

// Killing the engine's client does not stop a container: one that hangs past the trial
// timeout, or writes without end, is killed by name (`docker kill NAME`), though here it
// also holds the client's output open, which no longer keeps gpuparity waiting.
TEST(SupervisionCli, AContainerKilledForATimeoutOrRunawayOutputIsKilledByName) {
  const std::pair<const char*, const char*> cases[] = {
      {"HANG_ON", "did not finish within the trial timeout and was killed"},
      {"RUNAWAY_ON", "wrote more than 64 MiB to stdout or stderr and was killed"}};
  for (const auto& [variable, cause] : cases) {
    scratch s(variable);
    const auto engine = s.script("docker", fake_docker);
    const auto workload = s.script("workload.sh", marking_workload);
    const auto pids = s.path("pids"), out = s.path("report.json");
    const env_list env = {{"PIDS", pids},
                          {"MARKER", s.path("started")},
                          {variable, "container"},
                          {"FAKE_ENGINE_DIR", s.dir},
                          {"FAKE_IMAGE", "fake:1"},
                          {"FAKE_WORKLOAD", workload},
                          {"GPUPARITY_RECORDED_OUTPUT", recorded}};
    const auto r =
        run_program({GPUPARITY_EXE, "run", "--runtime", "docker", "--engine", engine, "--image",
                     "fake:1", "--bench", workload, "--programs", "bench", "--min-trials", "2",
                     "--trial-timeout", "2", "--no-telemetry", "-o", out},
                    env, 60);
    EXPECT_EQ(r.exit_code, 4) << variable << ": " << r.err;
    const auto rep = read_report(out);
    if (!rep.is_object()) {
      ADD_FAILURE() << variable << ": no report; " << r.err;
      continue;
    }
    EXPECT_NE(rep["error"].get<std::string>().find("container trial: gpuparity-bench " +
                                                   std::string(cause)),
              std::string::npos)
        << variable << ": " << rep["error"];
    EXPECT_NE(test::slurp(s.path("engine.log")).find("kill gpuparity-"), std::string::npos)
        << variable;
    expect_all_gone(pids, variable);
  }
}

struct signal_case {
  int sig;
  const char* hang_on;  // container, native, image (the image check, before any trial)
};

class SupervisionSignals : public ::testing::TestWithParam<signal_case> {};

// A signal to a running `gpuparity run` once the workload (or the image check) has
// started: exit 128 + the signal, a report with verdict error saying "interrupted by", the
// workload's process group gone, and for a container the engine's `kill NAME` called.
TEST_P(SupervisionSignals, EndTheRunWithAReportAndNoProcessLeft) {
  const auto [sig, hang_on] = GetParam();
  scratch s(std::string("signal") + std::to_string(sig) + hang_on);
  const auto engine = s.script("docker", fake_docker);
  const auto workload = s.script("workload.sh", marking_workload);
  const auto pids = s.path("pids"), marker = s.path("started"), out = s.path("report.json");
  const auto pid_file = s.path("gpuparity.pid");
  const env_list env = {{"PIDS", pids},
                        {"MARKER", marker},
                        {"HANG_ON", hang_on},
                        {"FAKE_ENGINE_DIR", s.dir},
                        {"FAKE_IMAGE", "fake:1"},
                        {"FAKE_WORKLOAD", workload},
                        {"GPUPARITY_RECORDED_OUTPUT", recorded}};
  // gpuparity runs as the shell it replaces (exec), so the pid the shell wrote is its own.
  test::program_result r;
  std::thread runner([&] {
    r = run_program({"sh",
                     "-c",
                     "echo $$ > \"$0\"; exec \"$@\"",
                     pid_file,
                     GPUPARITY_EXE,
                     "run",
                     "--runtime",
                     "docker",
                     "--engine",
                     engine,
                     "--image",
                     "fake:1",
                     "--bench",
                     workload,
                     "--programs",
                     "bench",
                     "--min-trials",
                     "2",
                     "--no-telemetry",
                     "-o",
                     out},
                    env, 60);
  });
  const bool started = test::gone_within([&] { return access(marker.c_str(), F_OK) != 0; }, 30);
  const auto gpuparity = test::pids_in(test::slurp(pid_file));
  if (started && gpuparity.size() == 1) kill(gpuparity[0], sig);
  runner.join();
  ASSERT_TRUE(started) << "the workload never started: " << r.err;
  EXPECT_EQ(r.exit_code, 128 + sig) << r.err;
  const auto rep = read_report(out);
  ASSERT_TRUE(rep.is_object()) << "no report: " << r.err;
  EXPECT_EQ(rep["verdict"], "error");
  EXPECT_EQ(rep["exit_code"], 128 + sig);
  const std::string name = sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "SIGHUP";
  EXPECT_NE(rep["error"].get<std::string>().find("interrupted by " + name), std::string::npos)
      << rep["error"];
  expect_all_gone(pids, std::string("hung on ") + hang_on);
  const auto log = test::slurp(s.path("engine.log"));
  const auto kills = log.find("kill gpuparity-");
  if (std::string(hang_on) == "container") {
    EXPECT_NE(kills, std::string::npos) << log;
    EXPECT_EQ(rep["trials"].size(), 2u);  // the native warm-up, and the interrupted one
  } else {
    EXPECT_EQ(kills, std::string::npos) << "no container ran: " << log;
  }
  if (std::string(hang_on) == "image") {
    EXPECT_EQ(log.find("run "), std::string::npos) << "no trial after the signal: " << log;
    EXPECT_TRUE(rep["trials"].empty());
  }
}

// "SigtermDuringAContainerTrial", ...
std::string signal_case_name(const ::testing::TestParamInfo<signal_case>& p) {
  const int s = p.param.sig;
  const std::string on = p.param.hang_on;
  return std::string(s == SIGINT    ? "Sigint"
                     : s == SIGTERM ? "Sigterm"
                                    : "Sighup") +
         "During" +
         (on == "image"    ? "TheImageCheck"
          : on == "native" ? "ANativeTrial"
                           : "AContainerTrial");
}

INSTANTIATE_TEST_SUITE_P(, SupervisionSignals,
                         ::testing::Values(signal_case{SIGTERM, "container"},
                                           signal_case{SIGINT, "container"},
                                           signal_case{SIGHUP, "container"},
                                           signal_case{SIGINT, "native"},
                                           signal_case{SIGTERM, "image"}),
                         signal_case_name);

}  // namespace
}  // namespace gpuparity
