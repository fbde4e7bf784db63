// startup/first_kernel: seconds from spawning a fresh process of this program to its
// first kernel completing, context creation included. The timing process's own CUDA
// state cannot leak into the child: the child is a new program image (posix_spawn).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "latency.cuh"
#include "spawn_self.hpp"
#include "verify.hpp"

namespace gpuparity {
namespace {

constexpr int child_timeout_ms = 60000;

long long monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// "exit code 4" or "killed by signal 9 (Killed)": a raw wait status (1024) says neither.
std::string wait_status_text(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by signal " + std::to_string(WTERMSIG(status)) + " (" +
           strsignal(WTERMSIG(status)) + ")";
  return "wait status " + std::to_string(status);
}

// Spawns the child, returns the seconds to its first kernel; throws on failure/timeout.
double one_cold_start(int device) {
  const long long t0 = monotonic_ns();
  const auto child =
      spawn_self({"gpuparity-bench", "--gpuparity-startup-child", std::to_string(device)},
                 "the startup child");
  const pid_t pid = child.pid;
  const int fd = child.out_fd;
  std::string out;
  char buf[256];
  const long long deadline = t0 + child_timeout_ms * 1000000LL;
  bool timed_out = false;
  for (;;) {
    pollfd p{fd, POLLIN, 0};
    const long long left_ms = (deadline - monotonic_ns()) / 1000000LL;
    if (left_ms <= 0) {
      timed_out = true;
      break;
    }
    const int r = poll(&p, 1, static_cast<int>(left_ms));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      timed_out = r == 0;
      break;
    }
    const ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fd);
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) throw std::runtime_error("startup child did not finish in 60 s and was killed");
  long long done_ns = 0;
  if (std::sscanf(out.c_str(), "first_kernel_done_ns %lld", &done_ns) != 1 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == exit_incorrect)
      throw gpu_error(error_kind::incorrect, 0,
                      "startup child: its first kernel's result was wrong");
    throw std::runtime_error("startup child failed (" + wait_status_text(status) +
                             "; its own error above, on stderr), output: '" + out + "'");
  }
  return static_cast<double>(done_ns - t0) * 1e-9;
}

void first_kernel_case(benchmark::State& state, bench_context& ctx) {
  std::vector<double> samples;
  for (auto _ : state) {
    const double t = one_cold_start(ctx.gpu.device);
    state.SetIterationTime(t);
    samples.push_back(t);
  }
  // The mean: a fresh process is fast or slow as a whole (its context's placement,
  // noise.txt), and over a handful of children the median jumps between the two.
  state.counters["seconds"] = mean(samples);
  state.counters["median_seconds"] = median(samples);
  state.counters["relative_mad"] = relative_mad(samples);
}

}  // namespace

int run_startup_child(int device) {
  // Nothing CUDA has run in this process yet: the first call below creates the context.
  try {
    GPUPARITY_CUDA_CHECK(cudaSetDevice(device));
    device_buffer word(sizeof(std::uint32_t));
    launch_write_value(word.data<std::uint32_t>(), 0x5EED1234u, nullptr);
    GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(nullptr));
    const long long done = monotonic_ns();
    std::uint32_t back = 0;
    GPUPARITY_CUDA_CHECK(cudaMemcpy(&back, word.get(), sizeof back, cudaMemcpyDeviceToHost));
    if (back != 0x5EED1234u) return exit_incorrect;
    std::printf("first_kernel_done_ns %lld\n", done);
    return exit_ok;
  } catch (const gpu_error& e) {
    std::fprintf(stderr, "gpuparity-bench startup child: %s\n", e.what());
    return e.kind() == error_kind::no_device ? exit_no_device : exit_failed;
  }
}

void register_startup_cases(bench_context& ctx) {
  const std::string name = "startup/first_kernel";
  benchmark::RegisterBenchmark(name.c_str(),
                               [&ctx, name](benchmark::State& st) {
                                 run_case(st, ctx, name,
                                          [&](benchmark::State& s) { first_kernel_case(s, ctx); });
                               })
      ->UseManualTime()
      ->Iterations(ctx.options.startup_trials)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace gpuparity
