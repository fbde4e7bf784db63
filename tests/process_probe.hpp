#pragma once
// Test helper: which processes still run, read from /proc. A zombie counts as gone: it
// runs nothing, and in a container the PID 1 that should reap it may not.
#include <dirent.h>
#include <sys/types.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace gpuparity::test {

struct proc_stat {
  bool exists = false;
  char state = 0;  // R, S, D, Z, ...
  pid_t pgid = 0;
};

inline proc_stat read_proc_stat(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return {};
  const auto paren = line.rfind(')');  // the command name may hold spaces and parentheses
  if (paren == std::string::npos) return {};
  std::istringstream rest(line.substr(paren + 1));
  proc_stat s;
  pid_t ppid = 0;
  s.exists = static_cast<bool>(rest >> s.state >> ppid >> s.pgid);
  return s;
}

inline bool is_running(pid_t pid) {
  const auto s = read_proc_stat(pid);
  return s.exists && s.state != 'Z';
}

// The live processes in a process group.
inline std::vector<pid_t> group_members(pid_t pgid) {
  std::vector<pid_t> members;
  DIR* d = opendir("/proc");
  if (!d) return members;
  while (const dirent* e = readdir(d)) {
    const pid_t pid = static_cast<pid_t>(std::atoi(e->d_name));
    if (pid <= 0) continue;
    const auto s = read_proc_stat(pid);
    if (s.exists && s.state != 'Z' && s.pgid == pgid) members.push_back(pid);
  }
  closedir(d);
  return members;
}

// Polls `still_there` for up to `seconds`: a SIGKILL takes a moment to land.
template <typename F>
bool gone_within(F still_there, double seconds = 5.0) {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (still_there()) {
    if (std::chrono::steady_clock::now() > end) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The whitespace-separated numbers in a text (pids a test script printed).
inline std::vector<pid_t> pids_in(const std::string& text) {
  std::vector<pid_t> pids;
  std::istringstream in(text);
  for (long p; in >> p;)
    if (p > 0) pids.push_back(static_cast<pid_t>(p));
  return pids;
}

}  // namespace gpuparity::test
