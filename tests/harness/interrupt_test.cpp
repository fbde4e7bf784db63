// SIGINT, SIGTERM and SIGHUP while run_process supervises a child. Each case runs in a
// death test's own process: the handlers and the recorded signal are process-wide and stay.
#include "interrupt.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "../process_probe.hpp"
#include "../run_program.hpp"
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

// The signal comes while run_process drains output that a setsid daemon holds after the
// child exited: it returns after the grace, without spinning on the signalled pipe.
int signal_while_draining() {
  install_interrupt_handlers();
  checks check;
  const std::string ready = ::testing::TempDir() + "draining-" + std::to_string(getpid());
  std::remove(ready.c_str());
  rusage before{};
  getrusage(RUSAGE_SELF, &before);
  const auto r = run_process(
      {"sh", "-c",
       "setsid sh -c 'echo $$ > \"$1\"; sleep 0.5; kill -TERM $2; exec sleep 300' sh \"$1\" "
       "$PPID & until [ -s \"$1\" ]; do sleep 0.01; done; exit 0",
       "sh", ready},
      60.0);
  rusage after{};
  getrusage(RUSAGE_SELF, &after);
  for (pid_t pid : test::pids_in(test::slurp(ready))) kill(pid, SIGKILL);
  std::remove(ready.c_str());
  const auto cpu = [](const rusage& u) {
    return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1e-6;
  };
  check(r.exit_code == 0 && r.output_held_open, "exited, its output held by the daemon");
  check(interrupted_signal() == SIGTERM, "the daemon's SIGTERM arrived");
  check(cpu(after) - cpu(before) < 0.5,
        "CPU seconds while draining: " + std::to_string(cpu(after) - cpu(before)));
  return check.failed;
}

TEST(InterruptDeathTest, ASignalWhileDrainingADaemonsOutputDoesNotSpin) {
  EXPECT_EXIT(_exit(signal_while_draining()), ::testing::ExitedWithCode(0), "");
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
