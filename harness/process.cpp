#include "process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "interrupt.hpp"

namespace gpuparity::harness {

std::string find_on_path(const std::string& program) {
  if (program.find('/') != std::string::npos)
    return access(program.c_str(), X_OK) == 0 ? program : "";
  const char* path = std::getenv("PATH");
  std::stringstream s(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(s, dir, ':');) {
    const std::string p = (dir.empty() ? "." : dir) + "/" + program;
    struct stat st {};
    if (stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(p.c_str(), X_OK) == 0) return p;
  }
  return "";
}

std::string display_command(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& a : argv) {
    if (!out.empty()) out += ' ';
    const bool plain =
        !a.empty() && a.find_first_of(" \t\n'\"\\$`;&|<>()*?[]{}!#~") == std::string::npos;
    if (plain) {
      out += a;
    } else {
      out += '\'';
      for (char c : a) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
      out += '\'';
    }
  }
  return out;
}

namespace {

using steady = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The child's environment: this process's, with `env` set on top. Built before fork, as
// is everything the child uses: after fork in a process with threads (telemetry) only
// async-signal-safe calls are safe, and malloc is not one.
std::vector<std::string> child_environment(
    const std::vector<std::pair<std::string, std::string>>& env) {
  std::vector<std::string> out;
  for (char** e = environ; *e; ++e) {
    const std::string entry(*e);
    const std::string name = entry.substr(0, entry.find('='));
    const bool replaced =
        std::any_of(env.begin(), env.end(), [&name](const auto& nv) { return nv.first == name; });
    if (!replaced) out.push_back(entry);
  }
  for (const auto& [name, value] : env) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> p;
  for (auto& s : strings) p.push_back(s.data());
  p.push_back(nullptr);
  return p;
}

// Starts argv in its own process group with stdout and stderr on pipes (their read ends
// returned in out_fd, err_fd); -1 and r.not_found when it could not be started.
pid_t spawn(const std::vector<std::string>& argv,
            const std::vector<std::pair<std::string, std::string>>& env, int& out_fd, int& err_fd,
            process_result& r) {
  int out_pipe[2], err_pipe[2], exec_pipe[2];
  if (argv.empty() || pipe2(out_pipe, O_CLOEXEC) || pipe2(err_pipe, O_CLOEXEC) ||
      pipe2(exec_pipe, O_CLOEXEC)) {
    r.not_found = true;
    r.exec_error = argv.empty() ? "empty command" : std::strerror(errno);
    return -1;
  }
  std::vector<std::string> args_s = argv, env_s = child_environment(env);
  const auto args = pointers(args_s), envp = pointers(env_s);
  const pid_t pid = fork();
  if (pid < 0) {
    const int e = errno;
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1], exec_pipe[0], exec_pipe[1]})
      close(fd);
    r.not_found = true;
    r.exec_error = std::string(argv[0]) + ": " + std::strerror(e);
    return -1;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group: a kill reaches everything it started
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    const int devnull = open("/dev/null", O_RDONLY);
    if (devnull >= 0) dup2(devnull, STDIN_FILENO);
    execvpe(args[0], args.data(), envp.data());
    const int e = errno;
    (void)!write(exec_pipe[1], &e, sizeof e);
    _exit(127);
  }
  setpgid(pid, pid);  // also here: a kill before the child ran must find it
  close(out_pipe[1]);
  close(err_pipe[1]);
  close(exec_pipe[1]);
  int exec_errno = 0;
  ssize_t got;
  while ((got = read(exec_pipe[0], &exec_errno, sizeof exec_errno)) < 0 && errno == EINTR) {
  }
  close(exec_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof exec_errno)) {
    r.not_found = true;  // the child exits 127, and is reaped as any other
    r.exec_error = std::string(argv[0]) + ": " + std::strerror(exec_errno);
  }
  out_fd = out_pipe[0];
  err_fd = err_pipe[0];
  return pid;
}

// Appends what fits under capture_limit_bytes; false when some of `data` did not fit.
bool append_capped(std::string& s, const char* data, std::size_t n) {
  const std::size_t take =
      std::min(n, capture_limit_bytes - std::min(s.size(), capture_limit_bytes));
  // Near the limit, grow to it at once rather than doubling past it: the limit is the bound.
  if (s.size() + take > s.capacity() && 2 * s.capacity() >= capture_limit_bytes)
    s.reserve(capture_limit_bytes);
  s.append(data, take);
  return take == n;
}

// Whether the child has ended. If so its process group is killed while the child, not yet
// reaped, still holds the group's id (so the id cannot have been reused), then it is reaped.
bool reap_if_ended(pid_t pid, int& status) {
  siginfo_t info{};
  if (waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0 ||
      info.si_pid != pid)
    return false;
  kill(-pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return true;
}

// The supervision of one started child: reads its output, watches the deadline, the
// interrupt and the child's end, and kills its group on any of them.
class supervisor {
 public:
  supervisor(pid_t pid, int out_fd, int err_fd, steady::time_point start, double timeout_s,
             on_interrupt interrupt, process_result& r)
      : pid_(pid), start_(start), r_(r) {
    // At most 30 years: a larger timeout would overflow the clock's duration.
    deadline_ = start + std::chrono::duration_cast<steady::duration>(
                            std::chrono::duration<double>(std::min(timeout_s, 1e9)));
    fds_[0] = {out_fd, POLLIN, 0};
    fds_[1] = {err_fd, POLLIN, 0};
    fds_[2] = {interrupt == on_interrupt::kill_child ? interrupt_fd() : -1, POLLIN, 0};
    watch_interrupt_ = interrupt == on_interrupt::kill_child;
  }

  void run() {
    for (;;) {
      const auto now = steady::now();
      if (!ended_) {
        if (watch_interrupt_ && interrupted_signal() != 0)
          kill_group(r_.interrupted, now);
        else if (now >= deadline_)
          kill_group(r_.timed_out, now);
      }
      if (!reaped_ && reap_if_ended(pid_, status_)) {
        reaped_ = true;
        r_.seconds = std::chrono::duration<double>(steady::now() - start_).count();
        mark_ended(steady::now());
      }
      const bool pipes_open = fds_[0].fd >= 0 || fds_[1].fd >= 0;
      if (reaped_ && !pipes_open) break;
      if (ended_ && now >= ended_at_ + grace()) break;  // give up on the pipes, or the child
      wait_and_read(now);
    }
    finish();
  }

 private:
  static steady::duration grace() {
    return std::chrono::duration_cast<steady::duration>(
        std::chrono::duration<double>(process_grace_s));
  }

  void kill_group(bool& why, steady::time_point now) {
    why = true;
    kill(-pid_, SIGKILL);
    mark_ended(now);
  }

  // The child exited or was killed: the grace starts (once; a later kill does not extend
  // it), and the interrupt no longer matters (its pipe stays readable once signalled, so
  // polling it would spin).
  void mark_ended(steady::time_point now) {
    if (!ended_) ended_at_ = now;
    ended_ = true;
    fds_[2].fd = -1;
  }

  // Waits for output, an interrupt, or the next thing to check (the deadline, the end of
  // the grace, or, while the child runs, whether it has exited: every `tick_`, from 1 ms
  // after a pipe closed, since the exit follows, doubling to 100 ms while idle).
  void wait_and_read(steady::time_point now) {
    auto until = ended_ ? ended_at_ + grace() : deadline_;
    if (!reaped_) until = std::min(until, now + tick_);
    const auto ms = std::chrono::duration_cast<milliseconds>(until - now).count();
    const int n = poll(fds_, 3, static_cast<int>(std::clamp<long long>(ms + 1, 0, 1000)));
    if (n == 0) tick_ = std::min(tick_ * 2, milliseconds(100));
    if (n <= 0) return;
    for (int i = 0; i < 2; ++i) {
      if (fds_[i].fd < 0 || !(fds_[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const ssize_t got = read(fds_[i].fd, buf_, sizeof buf_);
      if (got > 0) {
        std::string& into = i == 0 ? r_.out : r_.err;
        if (!append_capped(into, buf_, static_cast<std::size_t>(got)) && !r_.truncated)
          kill_group(r_.truncated, steady::now());
      } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(fds_[i].fd);
        fds_[i].fd = -1;
        tick_ = milliseconds(1);
      }
    }
  }

  void finish() {
    for (int i = 0; i < 2; ++i)
      if (fds_[i].fd >= 0) {
        close(fds_[i].fd);
        r_.output_held_open = reaped_;  // else the unreaped child may be the one holding it
      }
    if (!reaped_) {
      // SIGKILLed and still not gone after the grace (a driver call can hold a dying
      // process): its status is unknown, and it is left to be reaped by nobody.
      r_.seconds = std::chrono::duration<double>(steady::now() - start_).count();
      return;
    }
    if (WIFEXITED(status_)) r_.exit_code = WEXITSTATUS(status_);
    if (WIFSIGNALED(status_)) r_.signal = WTERMSIG(status_);
  }

  pid_t pid_;
  steady::time_point start_, deadline_, ended_at_;
  process_result& r_;
  pollfd fds_[3];
  bool watch_interrupt_ = true;
  bool ended_ = false;  // exited, or killed: the grace runs from ended_at_
  bool reaped_ = false;
  int status_ = 0;
  milliseconds tick_{1};
  char buf_[65536];
};

}  // namespace

process_result run_process(const std::vector<std::string>& argv, double timeout_s,
                           const std::vector<std::pair<std::string, std::string>>& env,
                           on_interrupt interrupt) {
  process_result r;
  if (interrupt == on_interrupt::kill_child && interrupted_signal() != 0) {
    r.interrupted = true;  // the run is ending: start nothing new
    return r;
  }
  int out_fd = -1, err_fd = -1;
  const auto start = steady::now();
  const pid_t pid = spawn(argv, env, out_fd, err_fd, r);
  if (pid < 0) return r;
  supervisor(pid, out_fd, err_fd, start, timeout_s, interrupt, r).run();
  return r;
}

}  // namespace gpuparity::harness
