// SIGINT, SIGTERM and SIGHUP while run_process supervises a child. Each case runs in a
// death test's own process: the handlers and the recorded signal are process-wide and stay.
#include "interrupt.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <iostream>

#include "../process_probe.hpp"
#include "process.hpp"

namespace gpuparity::harness {
namespace {

// Counts the failed checks, saying which on stderr (the death test shows it).
struct checks {
  int failed = 0;
  void operator()(bool ok, const std::string& what) {
    if (!ok) {
      ++failed;
      std::cerr << "FAILED: " << what << "\n";
    }
  }
};

// The child signals this process, as a Ctrl-C or a CI job's cancel would, with a
// grandchild running in its group; then hangs.
int interrupted_child(int sig) {
  install_interrupt_handlers();
  checks check;
  const auto r = run_process(
      {"sh", "-c",
       "sleep 300 >/dev/null & echo $!; kill -" + std::to_string(sig) + " $PPID; sleep 300"},
      60.0);
  check(r.interrupted, "the result says interrupted");
  check(!r.timed_out, "not a timeout");
  check(r.signal == SIGKILL, "killed, signal " + std::to_string(r.signal));
  check(r.seconds < 30.0, "returned at once, not after " + std::to_string(r.seconds) + " s");
  check(interrupted_signal() == sig,
        "interrupted_signal() " + std::to_string(interrupted_signal()));
  const auto pids = test::pids_in(r.out);
  check(pids.size() == 1, "the grandchild's pid: " + r.out);
  for (pid_t pid : pids) {
    check(test::gone_within([pid] { return test::is_running(pid); }), "the grandchild is gone");
    kill(pid, SIGKILL);
  }
  // After the interrupt: workloads are not started, cleanup commands run to their end.
  const auto next = run_process({"sh", "-c", "echo started"}, 10.0);
  check(next.interrupted && next.out.empty(), "no new child after the interrupt: " + next.out);
  const auto cleanup =
      run_process({"sh", "-c", "sleep 0.2; echo cleaned"}, 10.0, {}, on_interrupt::carry_on);
  check(!cleanup.interrupted && cleanup.exit_code == 0 && cleanup.out == "cleaned\n",
        "a carry_on command runs: " + cleanup.out);
  check(cleanup.seconds < 5.0, "and ends when it does: " + std::to_string(cleanup.seconds));
  return check.failed;
}

TEST(InterruptDeathTest, SignalKillsTheChildsGroupAndIsRemembered) {
  for (int sig : {SIGINT, SIGTERM, SIGHUP})
    EXPECT_EXIT(_exit(interrupted_child(sig)), ::testing::ExitedWithCode(0), "")
        << signal_name(sig);
}

// nohup, or a runner that ignores SIGHUP for its jobs: gpuparity keeps ignoring it.
TEST(InterruptDeathTest, ASignalIgnoredAtStartStaysIgnored) {
  const auto body = [] {
    signal(SIGHUP, SIG_IGN);
    install_interrupt_handlers();
    checks check;
    raise(SIGHUP);
    check(interrupted_signal() == 0, "SIGHUP stayed ignored");
    raise(SIGTERM);
    check(interrupted_signal() == SIGTERM, "SIGTERM is recorded");
    raise(SIGINT);
    check(interrupted_signal() == SIGTERM, "the first signal is the one kept");
    return check.failed;
  };
  EXPECT_EXIT(_exit(body()), ::testing::ExitedWithCode(0), "");
}

TEST(Interrupt, NothingIsRecordedWithoutASignal) {
  EXPECT_EQ(interrupted_signal(), 0);
  EXPECT_EQ(signal_name(SIGINT), "SIGINT");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(SIGHUP), "SIGHUP");
  EXPECT_EQ(signal_name(SIGUSR1), "signal " + std::to_string(SIGUSR1));
}

}  // namespace
}  // namespace gpuparity::harness
