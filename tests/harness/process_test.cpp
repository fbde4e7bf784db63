#include "process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "../process_probe.hpp"

namespace gpuparity::harness {
namespace {

TEST(RunProcess, CapturesOutputAndExitCode) {
  const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 7"}, 10);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(RunProcess, SetsExtraEnvironment) {
  const auto r = run_process({"sh", "-c", "echo \"$GPUPARITY_X\""}, 10, {{"GPUPARITY_X", "a b"}});
  EXPECT_EQ(r.out, "a b\n");
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  // The grandchild holds the pipes open: only killing the group ends the wait.
  const auto r = run_process({"sh", "-c", "sleep 30 & sleep 30"}, 0.5);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, 9);
  EXPECT_LT(r.seconds, 5.0);
}

TEST(RunProcess, MissingProgramIsNamed) {
  const auto r = run_process({"/nonexistent/gpuparity-bench"}, 5);
  EXPECT_TRUE(r.not_found);
  EXPECT_NE(r.exec_error.find("/nonexistent/gpuparity-bench"), std::string::npos);
  EXPECT_NE(r.exec_error.find("No such file"), std::string::npos) << r.exec_error;
}

TEST(RunProcess, ArgumentsAreNotInterpretedByAShell) {
  const auto r = run_process({"echo", "$HOME;", "`id`"}, 5);
  EXPECT_EQ(r.out, "$HOME; `id`\n");
}

// Supervision: misbehaving children, each of which once kept gpuparity waiting or left
// processes behind. Bounds on time are generous: a hang shows as a minute, not seconds.

// A child that starts a daemon holding its stdout (setsid: another session, so no group
// kill reaches it), prints the daemon's pid, waits until the daemon has left its group
// (the daemon writes `ready` after setsid), then runs `then`.
process_result with_setsid_daemon(const std::string& then, double timeout_s) {
  const std::string ready = ::testing::TempDir() + "daemon-" + std::to_string(getpid());
  std::remove(ready.c_str());
  auto r = run_process({"sh", "-c",
                        "setsid sh -c 'echo $$ > \"$1\"; exec sleep 300' sh \"$1\" & echo $!; "
                        "until [ -s \"$1\" ]; do sleep 0.01; done; " +
                            then,
                        "sh", ready},
                       timeout_s);
  std::remove(ready.c_str());
  return r;
}

// The child hangs: the deadline still holds, and the pipe is abandoned after the grace.
TEST(Supervision, DeadlineHoldsThoughASetsidDaemonKeepsStdoutOpen) {
  const auto r = with_setsid_daemon("sleep 300", 1.0);
  const auto daemon = test::pids_in(r.out);
  for (pid_t pid : daemon) kill(pid, SIGKILL);
  EXPECT_TRUE(r.timed_out);
  EXPECT_TRUE(r.output_held_open);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_LT(r.seconds, 1.0 + process_grace_s + 10.0);
  EXPECT_EQ(daemon.size(), 1u) << r.out;
}

// The same daemon after a child that exits at once: run_process returns within the grace,
// not at the timeout, with the child's own output and exit status.
TEST(Supervision, ReturnsSoonAfterExitThoughASetsidDaemonKeepsStdoutOpen) {
  const auto start = std::chrono::steady_clock::now();
  const auto r = with_setsid_daemon("exit 3", 60.0);
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  for (pid_t pid : test::pids_in(r.out)) kill(pid, SIGKILL);
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_FALSE(r.timed_out);
  EXPECT_TRUE(r.output_held_open);
  EXPECT_EQ(test::pids_in(r.out).size(), 1u) << r.out;
  EXPECT_LT(wall, process_grace_s + 10.0);
}

// A child that closes stdout and stderr and hangs: nothing to read, so only a deadline on
// the wait itself ends it.
TEST(Supervision, DeadlineHoldsForAChildThatClosesItsOutputAndHangs) {
  const auto r = run_process({"sh", "-c", "exec >&- 2>&-; sleep 300"}, 1.0);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, SIGKILL);
  EXPECT_FALSE(r.output_held_open);
  EXPECT_LT(r.seconds, 1.0 + process_grace_s + 10.0);
}

// Background children that do not hold the pipes outlive a child that exits normally,
// unless its group is killed after the exit.
TEST(Supervision, LeftoverChildrenAreKilledAfterANormalExit) {
  const auto r = run_process({"sh", "-c",
                              "sleep 300 >/dev/null 2>&1 & echo $!; "
                              "(sleep 300 & sleep 300) >/dev/null 2>&1 & echo $!; exit 0"},
                             60.0);
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_FALSE(r.timed_out);
  const auto pids = test::pids_in(r.out);
  ASSERT_EQ(pids.size(), 2u) << r.out;
  for (pid_t pid : pids) {
    EXPECT_TRUE(test::gone_within([pid] { return test::is_running(pid); })) << pid;
    kill(pid, SIGKILL);  // if the test failed
  }
}

// `yes` on stdout or stderr: capture stops at capture_limit_bytes, the child is killed at
// once rather than at its timeout, and this process's memory stays bounded.
TEST(Supervision, EndlessOutputIsCappedAndKilled) {
  for (const char* stream : {"stdout", "stderr"}) {
    rusage before{};
    getrusage(RUSAGE_SELF, &before);
    const bool on_stderr = std::string(stream) == "stderr";
    const auto r = run_process({"sh", "-c", on_stderr ? "exec yes >&2" : "exec yes"}, 60.0);
    rusage after{};
    getrusage(RUSAGE_SELF, &after);
    EXPECT_TRUE(r.truncated) << stream;
    EXPECT_FALSE(r.timed_out) << stream;
    EXPECT_EQ(r.signal, SIGKILL) << stream;
    EXPECT_EQ((on_stderr ? r.err : r.out).size(), capture_limit_bytes) << stream;
    EXPECT_EQ((on_stderr ? r.out : r.err).size(), 0u) << stream;
    EXPECT_LT(r.seconds, 30.0) << stream;
    const long grown_kib = after.ru_maxrss - before.ru_maxrss;  // ru_maxrss: KiB
    EXPECT_LT(grown_kib, 4 * static_cast<long>(capture_limit_bytes >> 10)) << stream;
  }
}

TEST(DisplayCommand, QuotesWhatAShellWouldSplit) {
  EXPECT_EQ(display_command({"docker", "run", "--gpus", "\"device=0,1\"", "a b", "it's"}),
            "docker run --gpus '\"device=0,1\"' 'a b' 'it'\\''s'");
}

TEST(FindOnPath, FindsShAndNotNonsense) {
  EXPECT_FALSE(find_on_path("sh").empty());
  EXPECT_TRUE(find_on_path("no-such-program-gpuparity").empty());
}

}  // namespace
}  // namespace gpuparity::harness
