#pragma once
// The one place a case's exceptions become its status: every case body runs inside
// run_case, which marks the case failed with SkipWithError (never a speed) on any error.
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <vector>

#include "bench_context.hpp"
#include "cuda_error.hpp"
#include "cuda_raii.hpp"
#include "verify.hpp"

namespace gpuparity {

// A wrong result: thrown by checks, reported as status "incorrect".
inline gpu_error incorrect_result(const std::string& what) {
  return gpu_error(error_kind::incorrect, 0, what);
}

case_status status_of(error_kind k);

// Message prefix the harness reads: "<status>: <reason>".
std::string status_message(case_status s, const std::string& reason);

template <typename Body>
void run_case(benchmark::State& state, bench_context& ctx, const std::string& name, Body&& body) {
  case_status status = case_status::passed;
  std::string reason;
  if (!ctx.gpu.usable) {
    status = case_status::no_device;
    reason = ctx.gpu.error;
  } else {
    try {
      const auto start = std::chrono::steady_clock::now();
      GPUPARITY_CUDA_CHECK(cudaSetDevice(ctx.gpu.device));
      body(state);
      // What the case costs a trial, set-up and verification included (the harness plans
      // its time budget with it).
      state.counters["case_seconds"] =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    } catch (const gpu_error& e) {
      status = status_of(e.kind());
      reason = e.what();
    } catch (const std::exception& e) {
      status = case_status::failed;
      reason = e.what();
    }
  }
  ctx.record(name, status);
  if (status != case_status::passed) {
    const std::string msg = status_message(status, reason);
    state.SkipWithError(msg.c_str());
  }
}

// Times `batch` back-to-back calls of fn() per benchmark iteration with CUDA events on
// stream s, so the GPU never idles between calls inside the timed region; returns the
// per-iteration seconds (all samples are kept). Rates then count batch calls.
// idle_s > 0 makes each iteration a burst after the GPU idled that long (the previous
// iteration's stop event has completed): a burst shorter than the power controller's
// reaction measures the kernel and library at full clock, not the power cap's equilibrium.
template <typename Fn>
std::vector<double> event_timed_loop(benchmark::State& state, cudaStream_t s, int batch, Fn&& fn,
                                     double idle_s = 0.0) {
  event start, stop;
  std::vector<double> samples;
  samples.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    if (idle_s > 0.0) {
      GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(s));
      std::this_thread::sleep_for(std::chrono::duration<double>(idle_s));
    }
    start.record(s);
    for (int b = 0; b < batch; ++b) fn();
    stop.record(s);
    const double t = elapsed_seconds(start, stop);
    state.SetIterationTime(t);
    samples.push_back(t);
  }
  state.counters["ops_per_iteration"] = batch;
  return samples;
}

// Seconds of one call of fn() on stream s, by CUDA events (a warm-up of sorts too).
template <typename Fn>
double time_one_call(cudaStream_t s, Fn&& fn) {
  event start, stop;
  start.record(s);
  fn();
  stop.record(s);
  return elapsed_seconds(start, stop);
}

// Calls per timed iteration so that one iteration lasts about target_s, given one call's
// seconds (at least 1, at most 1000).
int batch_for(double one_call_s, double target_s = 0.01);

// Times an operation submitted by `submit` and waited for by `wait` with the host's steady
// clock, one iteration at a time (manual time): the round trip of each iteration, what a
// host thread observes, and the part of it spent in `submit` (the CPU-side cost of handing
// the work to the driver, which a container's CPU access changes and the GPU's completion
// path does not).
struct split_samples {
  std::vector<double> round_trip, submit;
};
template <typename Submit, typename Wait>
split_samples host_timed_split_loop(benchmark::State& state, Submit&& submit, Wait&& wait) {
  split_samples s;
  s.round_trip.reserve(static_cast<std::size_t>(state.max_iterations));
  s.submit.reserve(static_cast<std::size_t>(state.max_iterations));
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    submit();
    const auto ts = std::chrono::steady_clock::now();
    wait();
    const auto t1 = std::chrono::steady_clock::now();
    const double t = std::chrono::duration<double>(t1 - t0).count();
    state.SetIterationTime(t);
    s.round_trip.push_back(t);
    s.submit.push_back(std::chrono::duration<double>(ts - t0).count());
  }
  return s;
}

// A rate from the median iteration: `per_iteration` (bytes, FLOP, tokens) over the median
// of the timed samples, robust to a preempted or throttled iteration. Also records the
// samples' relative median absolute deviation (a spread; units of 1).
inline void set_rate(benchmark::State& state, const char* name, double per_iteration,
                     const std::vector<double>& samples) {
  state.counters[name] = per_iteration / median(samples);
  state.counters["relative_mad"] = relative_mad(samples);
}

}  // namespace gpuparity

namespace gpuparity {

// Throws out_of_memory naming the flag to lower when `bytes` exceed the free device memory.
void require_device_memory(std::size_t bytes, const std::string& what, const std::string& flag);

}  // namespace gpuparity
