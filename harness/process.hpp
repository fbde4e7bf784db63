#pragma once
// Child processes: argv vectors only (no shell), their own process group, a timeout
// after which the whole group is killed, stdout and stderr captured.
#include <string>
#include <utility>
#include <vector>

namespace gpuparity::harness {

struct process_result {
  int exit_code = -1;      // the exit status, -1 when it did not exit normally
  int signal = 0;          // the signal that ended it, 0 if none
  bool timed_out = false;  // killed (with its process group) at the timeout
  bool not_found = false;  // the program could not be executed (exec failed)
  std::string exec_error;  // why exec failed
  std::string out, err;
  double seconds = 0.0;  // wall time from spawn to exit
};

// env: NAME=VALUE pairs set in the child on top of this process's environment.
process_result run_process(const std::vector<std::string>& argv, double timeout_s,
                           const std::vector<std::pair<std::string, std::string>>& env = {});

// Where a program named without a slash would be found on PATH; "" if nowhere.
std::string find_on_path(const std::string& program);

// "a b 'c d'": a command line for humans (dry runs, reports), never for a shell.
std::string display_command(const std::vector<std::string>& argv);

}  // namespace gpuparity::harness
