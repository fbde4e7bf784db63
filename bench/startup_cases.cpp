// startup/first_kernel: seconds from spawning a fresh process of this program to its
// first kernel completing, context creation included. The timing process's own CUDA
// state cannot leak into the child: the child is a new program image (posix_spawn).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
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
#include "verify.hpp"

extern char** environ;

namespace gpuparity {
namespace {

constexpr int child_timeout_ms = 60000;

long long monotonic_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

// Spawns the child, returns the seconds to its first kernel; throws on failure/timeout.
double one_cold_start(int device) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0)
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
  std::string dev = std::to_string(device);
  std::vector<char*> argv = {const_cast<char*>("gpuparity-bench"),
                             const_cast<char*>("--gpuparity-startup-child"), dev.data(), nullptr};
  pid_t pid = 0;
  const long long t0 = monotonic_ns();
  const int rc = posix_spawn(&pid, "/proc/self/exe", &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  close(fds[1]);
  if (rc != 0) {
    close(fds[0]);
    throw std::runtime_error(std::string("posix_spawn of the startup child: ") + std::strerror(rc));
  }
  std::string out;
  char buf[256];
  const long long deadline = t0 + child_timeout_ms * 1000000LL;
  bool timed_out = false;
  for (;;) {
    pollfd p{fds[0], POLLIN, 0};
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
    const ssize_t n = read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  close(fds[0]);
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
    throw std::runtime_error("startup child failed (exit status " + std::to_string(status) +
                             "), output: '" + out + "'");
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
