// latency/launch|graph_launch|memcpy_h2d_small|device_memory.
// Host-observed cases time one operation to completion per iteration with the steady
// clock; latency_seconds is the median over the iterations (robust to preemption).
#include <cstdint>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "latency.cuh"
#include "random.cuh"
#include "verify.hpp"

namespace gpuparity {
namespace {

// Proves the stream executes kernels: one kernel writes a fresh value, read back.
void check_stream_runs_kernels(cudaStream_t s, std::uint64_t seed) {
  device_buffer word(sizeof(std::uint32_t));
  const auto value = static_cast<std::uint32_t>(mix64(seed, 0) | 1u);
  launch_write_value(word.data<std::uint32_t>(), value, s);
  std::uint32_t back = 0;
  GPUPARITY_CUDA_CHECK(cudaMemcpyAsync(&back, word.get(), sizeof back, cudaMemcpyDeviceToHost, s));
  GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(s));
  if (back != value)
    throw incorrect_result("a kernel's write did not arrive: the GPU did not run it");
}

// latency_seconds: for host-observed cases the mean over the iterations (the total time
// over the count): a CPU quota shows as rare long stalls, which a median would hide.
// latency_median_seconds and relative_mad describe the typical iteration and the spread.
void report_latency(benchmark::State& state, const std::vector<double>& samples, double per_sample,
                    bool use_mean) {
  const double med = median(samples) / per_sample;
  state.counters["latency_seconds"] = use_mean ? mean(samples) / per_sample : med;
  state.counters["latency_median_seconds"] = med;
  state.counters["relative_mad"] = relative_mad(samples);
}

// A host-observed round trip: latency_* as above, and submit_seconds, the mean time the
// submitting call took (a quota's stalls land in it as in the round trip), with its median.
void report_round_trip(benchmark::State& state, const split_samples& s) {
  report_latency(state, s.round_trip, 1.0, true);
  state.counters["submit_seconds"] = mean(s.submit);
  state.counters["submit_median_seconds"] = median(s.submit);
}

void launch_case(benchmark::State& state, bench_context& ctx) {
  stream st;
  for (int i = 0; i < 1000; ++i) launch_empty(st.get());  // warm-up
  st.synchronize();
  const auto samples = host_timed_split_loop(
      state, [&] { launch_empty(st.get()); }, [&] { st.synchronize(); });
  check_stream_runs_kernels(st.get(), ctx.next_seed());
  report_round_trip(state, samples);
}

void graph_launch_case(benchmark::State& state, bench_context& ctx) {
  stream st;
  cudaGraph_t raw = nullptr;
  GPUPARITY_CUDA_CHECK(cudaStreamBeginCapture(st.get(), cudaStreamCaptureModeThreadLocal));
  launch_empty(st.get());
  GPUPARITY_CUDA_CHECK(cudaStreamEndCapture(st.get(), &raw));
  graph g(raw);
  cudaGraphExec_t raw_exec = nullptr;
  GPUPARITY_CUDA_CHECK(cudaGraphInstantiateWithFlags(&raw_exec, g.get(), 0));
  graph_exec exec(raw_exec);
  for (int i = 0; i < 100; ++i) GPUPARITY_CUDA_CHECK(cudaGraphLaunch(exec.get(), st.get()));
  st.synchronize();
  const auto samples = host_timed_split_loop(
      state, [&] { GPUPARITY_CUDA_CHECK(cudaGraphLaunch(exec.get(), st.get())); },
      [&] { st.synchronize(); });
  check_stream_runs_kernels(st.get(), ctx.next_seed());
  report_round_trip(state, samples);
}

void memcpy_small_case(benchmark::State& state, bench_context& ctx) {
  stream st;
  pinned_buffer host(sizeof(std::uint32_t));
  device_buffer dev(sizeof(std::uint32_t));
  auto* h = host.data<std::uint32_t>();
  std::uint32_t value = static_cast<std::uint32_t>(ctx.next_seed());
  auto submit = [&] {
    *h = ++value;
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(dev.get(), h, sizeof *h, cudaMemcpyHostToDevice, st.get()));
  };
  auto wait = [&] { st.synchronize(); };
  for (int i = 0; i < 100; ++i) {
    submit();
    wait();
  }
  const auto samples = host_timed_split_loop(state, submit, wait);
  std::uint32_t back = 0;
  GPUPARITY_CUDA_CHECK(cudaMemcpy(&back, dev.get(), sizeof back, cudaMemcpyDeviceToHost));
  if (back != value) throw incorrect_result("the last 4-byte copy did not arrive");
  report_round_trip(state, samples);
}

// Dependent loads over nodes one per 512 bytes of a buffer past L2, in a random cyclic
// order; each timed launch continues where the last stopped, so no node is revisited.
void device_memory_case(benchmark::State& state, bench_context& ctx) {
  constexpr std::size_t node_stride_words = 512 / sizeof(std::uint32_t);
  constexpr int steps = 20000;
  const std::size_t nodes = ctx.options.chase_bytes / 512;
  if (nodes < 4 * steps) throw std::invalid_argument("--chase-bytes is too small (need >= 40MiB)");
  require_device_memory(ctx.options.chase_bytes + ctx.gpu.l2_bytes * 4, "pointer chase",
                        "--chase-bytes");
  stream st;
  device_buffer buffer(nodes * 512), end(sizeof(std::uint32_t));
  const std::vector<std::uint32_t> next = random_cycle(nodes, ctx.next_seed());
  {  // node i lives at word i * stride; link the cycle on the device
    std::vector<std::uint32_t> order(nodes);
    std::uint32_t at = 0;
    for (std::size_t i = 0; i < nodes; ++i, at = next[at]) order[i] = at * node_stride_words;
    device_buffer order_dev(nodes * sizeof(std::uint32_t));
    GPUPARITY_CUDA_CHECK(
        cudaMemcpy(order_dev.get(), order.data(), order_dev.bytes(), cudaMemcpyHostToDevice));
    launch_link_chase(buffer.data<std::uint32_t>(), order_dev.data<std::uint32_t>(), nodes,
                      st.get());
    // Evict the links just written from L2 by writing a buffer four times its size.
    device_buffer flush(ctx.gpu.l2_bytes * 4);
    GPUPARITY_CUDA_CHECK(cudaMemsetAsync(flush.get(), 0, flush.bytes(), st.get()));
    st.synchronize();
  }
  std::uint32_t node = 0;  // host's position in the cycle
  auto chase = [&] {
    launch_pointer_chase(buffer.data<std::uint32_t>(),
                         static_cast<std::uint32_t>(node * node_stride_words), steps,
                         end.data<std::uint32_t>(), st.get());
  };
  auto advance_and_check = [&] {
    for (int k = 0; k < steps; ++k) node = next[node];
    std::uint32_t got = 0;  // st is a non-blocking stream: copy on it, then wait
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(&got, end.get(), sizeof got, cudaMemcpyDeviceToHost, st.get()));
    st.synchronize();
    if (got != node * node_stride_words)
      throw incorrect_result("pointer chase ended at word " + std::to_string(got) + ", expected " +
                             std::to_string(node * node_stride_words));
  };
  chase();  // warm-up (module load), checked
  advance_and_check();
  std::vector<double> samples;
  event start, stop;
  for (auto _ : state) {
    start.record(st.get());
    chase();
    stop.record(st.get());
    const double t = elapsed_seconds(start, stop);
    state.SetIterationTime(t);
    samples.push_back(t);
    state.PauseTiming();
    advance_and_check();
    state.ResumeTiming();
  }
  report_latency(state, samples, steps, false);
}

template <typename Fn>
void add(bench_context& ctx, const std::string& name, int iterations, Fn fn) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [&ctx, name, fn](benchmark::State& st) {
                                 run_case(st, ctx, name, [&](benchmark::State& s) { fn(s, ctx); });
                               })
      ->UseManualTime()
      ->Iterations(iterations)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace

void register_latency_cases(bench_context& ctx) {
  // 20000 host-observed operations (about 0.2 s on the H100 machine): at 5000 the mean's
  // spread within one process was as large as between processes (results/*/noise.txt).
  add(ctx, "latency/launch", 20000, launch_case);
  add(ctx, "latency/graph_launch", 20000, graph_launch_case);
  add(ctx, "latency/memcpy_h2d_small", 20000, memcpy_small_case);
  add(ctx, "latency/device_memory", 5, device_memory_case);
}

}  // namespace gpuparity
