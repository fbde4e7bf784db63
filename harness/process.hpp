#pragma once
// Child processes: argv vectors only (no shell), each in its own process group, supervised
// so that run_process always returns by its timeout plus process_grace_s, whatever the
// child and its descendants do:
// - the deadline holds for reading and for waiting: a child that closes its output and
//   hangs is killed at the deadline like one that keeps writing;
// - the child's process group is killed (SIGKILL) at the deadline, on an interrupt, on a
//   capture overflow, and also after the child exits by itself, so nothing it left
//   running in its group outlives it;
// - output held open by a process that left the group (a setsid daemon) is read for
//   process_grace_s after the child ended, then abandoned: such a process is beyond a
//   group kill, and chasing it (a child subreaper) would also kill the engines' own
//   monitors, such as podman's conmon, which leave the group by design;
// - stdout and stderr are captured up to capture_limit_bytes each: a workload's JSON is
//   kilobytes, so more means a runaway writer, which is killed rather than left to fill
//   memory or run until its timeout.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gpuparity::harness {

// Per stream; beyond it the output is read and discarded, and the group is killed.
inline constexpr std::size_t capture_limit_bytes = std::size_t{64} << 20;
// Seconds run_process goes on after the child exited or was killed: for output still in
// the pipes and for a killed child to be reaped.
inline constexpr double process_grace_s = 2.0;

struct process_result {
  int exit_code = -1;      // the exit status, -1 when it did not exit normally
  int signal = 0;          // the signal that ended it, 0 if none (or not reaped in time)
  bool timed_out = false;  // killed (with its process group) at the timeout
  bool not_found = false;  // the program could not be executed (exec failed)
  // SIGINT, SIGTERM or SIGHUP reached this process (interrupt.hpp) while the child ran:
  // its group was killed; or before it would have started: it was not started.
  bool interrupted = false;
  // It wrote more than capture_limit_bytes to stdout or stderr: that stream holds the
  // first capture_limit_bytes, and the group was killed.
  bool truncated = false;
  // Its stdout or stderr was still open process_grace_s after it ended: a process outside
  // its group (one started with setsid) holds it; what that one wrote later was not read.
  bool output_held_open = false;
  std::string exec_error;  // why exec failed
  std::string out, err;
  double seconds = 0.0;  // wall time from spawn to exit
};

// What a SIGINT/SIGTERM/SIGHUP does to a running child: kill its group (a workload), or
// nothing (a cleanup command that must run to completion after an interrupt).
enum class on_interrupt { kill_child, carry_on };

// env: NAME=VALUE pairs set in the child on top of this process's environment.
process_result run_process(const std::vector<std::string>& argv, double timeout_s,
                           const std::vector<std::pair<std::string, std::string>>& env = {},
                           on_interrupt interrupt = on_interrupt::kill_child);

// Where a program named without a slash would be found on PATH; "" if nowhere.
std::string find_on_path(const std::string& program);

// "a b 'c d'": a command line for humans (dry runs, reports), never for a shell.
std::string display_command(const std::vector<std::string>& argv);

}  // namespace gpuparity::harness
