// compute/fp32|fp64|fp16: FMA throughput of independent chains, FLOP per second.
#include <cmath>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "fill.cuh"
#include "fma.cuh"

namespace gpuparity {
namespace {

fma_problem make_problem(const bench_context& ctx, fma_type t, std::uint64_t seed) {
  fma_problem p;
  p.type = t;
  p.threads = 256;
  // Four full waves at 8 resident blocks of 256 threads per multiprocessor.
  p.blocks = static_cast<unsigned>(ctx.gpu.sm_count * 8 * 4);
  // About 5 ms a launch on an H100; values stay exact integers (< 2^11 for fp16, whose
  // b + c is zero, < 2^24 otherwise).
  p.iterations = t == fma_type::fp64 ? 4096 : 8192;
  p.b = 1.0;
  p.c = t == fma_type::fp16x2 ? -1.0 : 1.0;
  p.seed = seed;
  return p;
}

void check_fma(const fma_problem& p, const device_buffer& out) {
  const std::size_t threads = std::size_t{p.blocks} * p.threads;
  std::vector<double> host(threads);
  GPUPARITY_CUDA_CHECK(
      cudaMemcpy(host.data(), out.get(), threads * sizeof(double), cudaMemcpyDeviceToHost));
  for (std::size_t t = 0; t < threads; ++t) {
    const double want = fma_expected(p, t);
    if (!(host[t] == want))
      throw incorrect_result(std::string("compute/") + fma_type_name(p.type) + ": thread " +
                             std::to_string(t) + " ended at " + std::to_string(host[t]) +
                             ", analytic value " + std::to_string(want));
  }
}

void compute_case(benchmark::State& state, bench_context& ctx, fma_type t) {
  stream st;
  const fma_problem p = make_problem(ctx, t, ctx.next_seed());
  device_buffer out(std::size_t{p.blocks} * p.threads * sizeof(double));
  poison(out.get(), out.bytes(), st.get());
  launch_fma_chain(p, out.data<double>(), st.get());
  st.synchronize();
  check_fma(p, out);
  poison(out.get(), out.bytes(), st.get());
  constexpr int batch = 2;
  const auto samples = event_timed_loop(state, st.get(), batch,
                                        [&] { launch_fma_chain(p, out.data<double>(), st.get()); });
  check_fma(p, out);
  set_rate(state, "flop_per_second", batch * fma_flops(p), samples);
}

}  // namespace

void register_compute_cases(bench_context& ctx) {
  for (fma_type t : {fma_type::fp32, fma_type::fp64, fma_type::fp16x2}) {
    const std::string name = std::string("compute/") + fma_type_name(t);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&ctx, t, name](benchmark::State& st) {
                                   run_case(st, ctx, name,
                                            [&](benchmark::State& s) { compute_case(s, ctx, t); });
                                 })
        ->UseManualTime()
        ->Iterations(10)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace gpuparity
