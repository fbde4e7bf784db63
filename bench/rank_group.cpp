#include "rank_group.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace gpuparity {
namespace {

using steady = std::chrono::steady_clock;

struct live_rank {
  pid_t pid = 0;
  int out_fd = -1;  // read end of a pipe on the rank's stdout
  int in_fd = -1;   // our end of a socket pair on the rank's stdin (send never raises SIGPIPE)
  bool reaped = false;
  int status = 0;
};

void close_fd(int& fd) {
  if (fd >= 0) close(fd);
  fd = -1;
}

// Spawns one rank into process group `pgid` (0: a new group led by the rank itself), with
// every signal at its default disposition and none blocked, whatever this process set.
pid_t spawn_rank(const std::string& exe, const std::vector<std::string>& args, char** envp,
                 pid_t pgid, live_rank& r) {
  int out[2], in[2];
  if (pipe2(out, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) != 0) {
    const int e = errno;
    close(out[0]);
    close(out[1]);
    throw std::runtime_error(std::string("socketpair: ") + std::strerror(e));
  }
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&fa, in[1], STDIN_FILENO);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t all, none;
  sigfillset(&all);
  sigemptyset(&none);
  posix_spawnattr_setsigdefault(&attr, &all);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setpgroup(&attr, pgid);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, exe.c_str(), &fa, &attr, argv.data(), envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  close(out[1]);
  close(in[1]);
  if (rc != 0) {
    close(out[0]);
    close(in[0]);
    throw std::runtime_error("cannot spawn " + exe + ": " + std::strerror(rc));
  }
  r.pid = pid;
  r.out_fd = out[0];
  r.in_fd = in[0];
  return pid;
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("was killed by ") + strsignal(WTERMSIG(status));
  return "ended";
}

// The rank's own account of its failure, when it printed one.
std::string reason_of(const std::string& out) {
  const rank_report r = parse_rank_report(out);
  if (!r.has_status || r.status == "passed") return "";
  return ": " + r.status + (r.message.empty() ? "" : ": " + r.message);
}

class group_runner {
 public:
  explicit group_runner(const rank_group_spec& spec)
      : spec_(spec),
        deadline_(steady::now() + std::chrono::duration_cast<steady::duration>(
                                      std::chrono::duration<double>(spec.deadline_s))) {}

  rank_group_result run() {
    const auto env = merged_environment(environ, spec_.environment);
    std::vector<char*> envp;
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    ranks_.resize(spec_.argv.size());
    result_.ranks.resize(spec_.argv.size());
    pgid_ = spawn_rank(spec_.executable, spec_.argv.at(0), envp.data(), 0, ranks_[0]);
    for (std::size_t r = 1; r < ranks_.size() && result_.error.empty(); ++r) {
      try {
        spawn_rank(spec_.executable, spec_.argv[r], envp.data(), pgid_, ranks_[r]);
      } catch (const std::exception& e) {
        fail("rank " + std::to_string(r) + ": " + e.what());
      }
    }
    close_fd(ranks_[0].in_fd);  // rank 0 makes the id; it reads nothing
    if (result_.error.empty()) pump();
    if (!result_.error.empty()) kill_group();
    reap_all();
    for (std::size_t r = 0; r < ranks_.size(); ++r) {
      close_fd(ranks_[r].out_fd);
      close_fd(ranks_[r].in_fd);
      auto& o = result_.ranks[r];
      o.pid = ranks_[r].pid;
      if (ranks_[r].reaped && WIFEXITED(ranks_[r].status))
        o.exit_code = WEXITSTATUS(ranks_[r].status);
      if (ranks_[r].reaped && WIFSIGNALED(ranks_[r].status)) o.signal = WTERMSIG(ranks_[r].status);
    }
    return result_;
  }

 private:
  void fail(const std::string& what) {
    if (result_.error.empty()) result_.error = what;
  }

  long long left_ms() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - steady::now()).count();
  }

  // Reads every rank's stdout until all are closed, relaying rank 0's id line once; stops at
  // the first failure or the deadline.
  void pump() {
    for (;;) {
      std::vector<pollfd> fds;
      std::vector<std::size_t> who;
      for (std::size_t r = 0; r < ranks_.size(); ++r)
        if (ranks_[r].out_fd >= 0) {
          fds.push_back({ranks_[r].out_fd, POLLIN, 0});
          who.push_back(r);
        }
      reap_exited();
      if (!result_.error.empty()) return;
      if (fds.empty()) return;
      const long long ms = left_ms();
      if (ms <= 0) return time_out();
      const int n = poll(fds.data(), fds.size(), static_cast<int>(std::min(ms, 200LL)));
      if (n < 0 && errno != EINTR) return fail(std::string("poll: ") + std::strerror(errno));
      for (std::size_t i = 0; n > 0 && i < fds.size(); ++i)
        if (fds[i].revents) read_from(who[i]);
      if (!result_.error.empty()) return;
      relay_id();
    }
  }

  void read_from(std::size_t r) {
    char buf[65536];
    const ssize_t n = read(ranks_[r].out_fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return;
    if (n <= 0) {
      close_fd(ranks_[r].out_fd);
      if (r == 0 && !id_sent_ && ranks_.size() > 1)
        fail("rank 0 closed its output without printing the communicator's id" +
             reason_of(result_.ranks[0].out));
      return;
    }
    auto& out = result_.ranks[r].out;
    if (out.size() + static_cast<std::size_t>(n) > out_limit_bytes)
      return fail("rank " + std::to_string(r) + " wrote more than " +
                  std::to_string(out_limit_bytes) + " bytes");
    out.append(buf, static_cast<std::size_t>(n));
  }

  void relay_id() {
    if (id_sent_) return;
    const std::string& out = result_.ranks[0].out;
    const std::string tag = std::string(unique_id_tag) + " ";
    for (std::size_t at = 0; at < out.size();) {
      const std::size_t end = out.find('\n', at);
      if (end == std::string::npos) return;  // the line is not complete yet
      if (out.compare(at, tag.size(), tag) == 0) {
        const std::string line = out.substr(at, end + 1 - at);
        for (std::size_t r = 1; r < ranks_.size(); ++r) {
          // A rank that died already shows in its exit status; MSG_NOSIGNAL: no SIGPIPE here.
          (void)send(ranks_[r].in_fd, line.data(), line.size(), MSG_NOSIGNAL);
          close_fd(ranks_[r].in_fd);
        }
        id_sent_ = true;
        return;
      }
      at = end + 1;
    }
  }

  // Reaps the ranks that ended; one that failed ends the group (the others would wait for it
  // inside NCCL until the deadline).
  void reap_exited() {
    for (std::size_t r = 0; r < ranks_.size(); ++r) {
      auto& k = ranks_[r];
      if (k.reaped || k.pid <= 0) continue;
      const pid_t p = waitpid(k.pid, &k.status, WNOHANG);
      if (p != k.pid) continue;
      k.reaped = true;
      if (!WIFEXITED(k.status) || WEXITSTATUS(k.status) != 0) {
        drain(r);
        fail("rank " + std::to_string(r) + " " + describe_exit(k.status) +
             reason_of(result_.ranks[r].out));
      }
    }
  }

  // What a rank that has ended left in its pipe (its status line).
  void drain(std::size_t r) {
    while (ranks_[r].out_fd >= 0) {
      pollfd p{ranks_[r].out_fd, POLLIN, 0};
      if (poll(&p, 1, 0) <= 0) return;
      read_from(r);
    }
  }

  void time_out() {
    result_.timed_out = true;
    std::string running;
    for (std::size_t r = 0; r < ranks_.size(); ++r)
      if (!ranks_[r].reaped) running += (running.empty() ? "" : ", ") + std::to_string(r);
    std::ostringstream s;
    s << "the ranks did not finish within " << spec_.deadline_s
      << " s and were killed (still running: rank " << running << ")";
    fail(s.str());
  }

  void kill_group() {
    if (killed_) return;
    // Only while one of ours is unreaped: the group id is then still ours, never recycled.
    if (std::any_of(ranks_.begin(), ranks_.end(),
                    [](const live_rank& k) { return k.pid > 0 && !k.reaped; }))
      killpg(pgid_, SIGKILL);
    killed_ = true;
    deadline_ = steady::now() + std::chrono::seconds(30);
  }

  // Waits for every rank until the deadline; then the group is killed and the killed ranks
  // get a grace period to be reaped (a process inside the GPU driver can take a moment to die).
  void reap_all() {
    for (;;) {
      reap_quietly();
      if (std::all_of(ranks_.begin(), ranks_.end(),
                      [](const live_rank& k) { return k.pid <= 0 || k.reaped; }))
        return;
      if (left_ms() <= 0) {
        if (killed_) return;  // killed and not gone after the grace: nothing more to do
        time_out();
        kill_group();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }

  void reap_quietly() {
    for (auto& k : ranks_)
      if (!k.reaped && k.pid > 0 && waitpid(k.pid, &k.status, WNOHANG) == k.pid) k.reaped = true;
  }

  const rank_group_spec& spec_;
  steady::time_point deadline_;
  std::vector<live_rank> ranks_;
  rank_group_result result_;
  pid_t pgid_ = 0;
  bool id_sent_ = false;
  bool killed_ = false;
};

}  // namespace

rank_group_result run_rank_group(const rank_group_spec& spec) {
  if (spec.argv.empty()) throw std::invalid_argument("a rank group needs at least one rank");
  return group_runner(spec).run();
}

std::vector<std::string> merged_environment(char** base,
                                            const std::vector<std::string>& overrides) {
  std::vector<std::string> env;
  auto name_of = [](const std::string& kv) { return kv.substr(0, kv.find('=')); };
  for (char** e = base; e && *e; ++e) {
    const std::string kv = *e;
    const bool replaced =
        std::any_of(overrides.begin(), overrides.end(),
                    [&](const std::string& o) { return name_of(o) == name_of(kv); });
    if (!replaced) env.push_back(kv);
  }
  env.insert(env.end(), overrides.begin(), overrides.end());
  return env;
}

rank_report parse_rank_report(const std::string& out) {
  rank_report r;
  std::istringstream lines(out);
  std::string line;
  auto tagged = [&line](const char* tag) {
    const std::size_t n = std::strlen(tag);
    return line.compare(0, n, tag) == 0 && (line.size() == n || line[n] == ' ');
  };
  while (std::getline(lines, line)) {
    if (tagged(unique_id_tag)) {
      std::istringstream s(line.substr(std::strlen(unique_id_tag)));
      s >> r.unique_id;
    } else if (tagged(samples_tag)) {
      std::istringstream s(line.substr(std::strlen(samples_tag)));
      r.samples.clear();
      double v = 0;
      while (s >> v) r.samples.push_back(v);
    } else if (tagged(nccl_version_tag)) {
      std::istringstream s(line.substr(std::strlen(nccl_version_tag)));
      s >> r.nccl_version;
    } else if (tagged(status_tag)) {
      std::string rest =
          line.size() > std::strlen(status_tag) ? line.substr(std::strlen(status_tag) + 1) : "";
      const std::size_t colon = rest.find(':');
      r.has_status = true;
      r.status = rest.substr(0, colon);
      r.message = colon == std::string::npos ? "" : rest.substr(colon + 1);
      if (!r.message.empty() && r.message.front() == ' ') r.message.erase(0, 1);
    }
  }
  return r;
}

std::vector<double> slowest_rank_samples(const std::vector<std::vector<double>>& per_rank) {
  if (per_rank.empty() || per_rank.front().empty())
    throw std::invalid_argument("no rank reported a timed iteration");
  std::vector<double> slowest = per_rank.front();
  for (std::size_t r = 1; r < per_rank.size(); ++r) {
    if (per_rank[r].size() != slowest.size())
      throw std::invalid_argument("rank " + std::to_string(r) + " reported " +
                                  std::to_string(per_rank[r].size()) + " iterations, rank 0 " +
                                  std::to_string(slowest.size()));
    for (std::size_t i = 0; i < slowest.size(); ++i)
      slowest[i] = std::max(slowest[i], per_rank[r][i]);
  }
  return slowest;
}

std::string to_hex(const void* data, std::size_t bytes) {
  static const char digits[] = "0123456789abcdef";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string s(2 * bytes, '0');
  for (std::size_t i = 0; i < bytes; ++i) {
    s[2 * i] = digits[p[i] >> 4];
    s[2 * i + 1] = digits[p[i] & 15];
  }
  return s;
}

void from_hex(const std::string& hex, void* data, std::size_t bytes) {
  if (hex.size() != 2 * bytes)
    throw std::invalid_argument("expected " + std::to_string(2 * bytes) + " hex digits, got " +
                                std::to_string(hex.size()));
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument(std::string("'") + c + "' is not a hex digit");
  };
  auto* p = static_cast<unsigned char*>(data);
  for (std::size_t i = 0; i < bytes; ++i)
    p[i] = static_cast<unsigned char>(nibble(hex[2 * i]) << 4 | nibble(hex[2 * i + 1]));
}

}  // namespace gpuparity
