// stream/copy|scale|add|triad|dot: device-memory bandwidth, bytes read + written per second.
#include <cmath>
#include <string>

#include "case_runner.hpp"
#include "cases.hpp"
#include "fill.cuh"
#include "random.cuh"
#include "stream.cuh"

namespace gpuparity {
namespace {

// Checks out (or the dot result) against exact gold values computed from the generator.
void check_stream(stream_op op, const double* out, const double* dot, std::size_t n,
                  std::uint64_t seed_x, std::uint64_t seed_y, cudaStream_t s) {
  device_buffer counters(2 * sizeof(long long));
  GPUPARITY_CUDA_CHECK(cudaMemsetAsync(counters.get(), 0, counters.bytes(), s));
  if (op == stream_op::dot) {
    launch_stream_dot_gold(n, seed_x, seed_y, counters.data<long long>(), s);
  } else {
    launch_stream_check(op, out, n, seed_x, seed_y, counters.data<unsigned long long>(), s);
  }
  long long host[2] = {0, 0};
  double dot_value = 0.0;
  GPUPARITY_CUDA_CHECK(
      cudaMemcpyAsync(host, counters.get(), sizeof host, cudaMemcpyDeviceToHost, s));
  if (dot)
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(&dot_value, dot, sizeof dot_value, cudaMemcpyDeviceToHost, s));
  GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(s));
  if (op == stream_op::dot) {
    const double gold = static_cast<double>(host[0]) / (stream_denominator * stream_denominator);
    if (!(dot_value == gold))
      throw incorrect_result("stream/dot = " + std::to_string(dot_value) + ", exact value " +
                             std::to_string(gold));
  } else if (host[0] != 0) {
    throw incorrect_result("stream/" + std::string(stream_op_name(op)) + ": " +
                           std::to_string(host[0]) + " of " + std::to_string(n) +
                           " elements differ from the exact gold value");
  }
}

// A few elements of the inputs read back and compared with the host's own generator:
// the device-side gold check above shares that generator, so this keeps it honest.
void check_inputs_on_host(const double* x, std::size_t n, std::uint64_t seed, std::uint64_t pick) {
  for (int k = 0; k < 16; ++k) {
    const std::size_t i = k == 0 ? n - 1 : mix64(pick, static_cast<std::uint64_t>(k)) % n;
    double v = 0.0;
    GPUPARITY_CUDA_CHECK(cudaMemcpy(&v, x + i, sizeof v, cudaMemcpyDeviceToHost));
    const double want = static_cast<double>(stream_value_numerator(seed, i)) / stream_denominator;
    if (!(v == want))
      throw incorrect_result("generated input element " + std::to_string(i) + " is " +
                             std::to_string(v) + ", host generator says " + std::to_string(want));
  }
}

void stream_case(benchmark::State& state, bench_context& ctx, stream_op op) {
  const std::size_t n = ctx.options.stream_bytes / sizeof(double) / 2 * 2;
  const std::size_t bytes = n * sizeof(double);
  const int arrays = op == stream_op::dot ? 2 : stream_arrays_touched(op);
  require_device_memory(std::size_t(arrays) * bytes + (64u << 20), "stream arrays",
                        "--stream-bytes");
  stream st;
  device_buffer x(bytes), y(op == stream_op::copy || op == stream_op::scale ? 16 : bytes);
  device_buffer out(op == stream_op::dot ? 16 : bytes), dot(sizeof(double));
  const std::uint64_t seed_x = ctx.next_seed(), seed_y = ctx.next_seed();
  launch_fill_stream(x.data<double>(), n, seed_x, st.get());
  if (y.bytes() == bytes) launch_fill_stream(y.data<double>(), n, seed_y, st.get());
  poison(out.get(), out.bytes(), st.get());
  GPUPARITY_CUDA_CHECK(cudaMemsetAsync(dot.get(), 0, sizeof(double), st.get()));
  st.synchronize();
  check_inputs_on_host(x.data<double>(), n, seed_x, seed_y);

  auto run = [&] {
    launch_stream(op, ctx.options.stream, ctx.gpu.sm_count, x.data<double>(), y.data<double>(),
                  out.data<double>(), dot.data<double>(), n, st.get());
  };
  run();  // the checked run, which also warms up
  check_stream(op, out.data<double>(), op == stream_op::dot ? dot.data<double>() : nullptr, n,
               seed_x, seed_y, st.get());

  constexpr int batch = 4;
  const auto samples = event_timed_loop(state, st.get(), batch, [&] {
    if (op == stream_op::dot)  // the reset is an 8-byte memset, inside the timed region
      GPUPARITY_CUDA_CHECK(cudaMemsetAsync(dot.get(), 0, sizeof(double), st.get()));
    run();
  });
  // The last timed run's output must still be right.
  check_stream(op, out.data<double>(), op == stream_op::dot ? dot.data<double>() : nullptr, n,
               seed_x, seed_y, st.get());
  set_rate(state, "bytes_per_second", batch * double(stream_arrays_touched(op)) * double(bytes),
           samples);
  state.counters["array_bytes"] = double(bytes);
}

}  // namespace

void register_stream_cases(bench_context& ctx) {
  for (stream_op op :
       {stream_op::copy, stream_op::scale, stream_op::add, stream_op::triad, stream_op::dot}) {
    const std::string name = std::string("stream/") + stream_op_name(op);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&ctx, op, name](benchmark::State& st) {
                                   run_case(st, ctx, name,
                                            [&](benchmark::State& s) { stream_case(s, ctx, op); });
                                 })
        ->UseManualTime()
        ->Iterations(10)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace gpuparity
