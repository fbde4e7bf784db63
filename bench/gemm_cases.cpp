// gemm/cublaslt/<dtype>/<n>: n x n x n matrix products through cuBLASLt, FLOP per second.
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "fill.cuh"
#include "gemm_lt.hpp"
#include "random.cuh"
#include "verify.hpp"

namespace gpuparity {
namespace {

constexpr std::size_t workspace_bytes = std::size_t{64} << 20;
constexpr int sample_side = 16;  // sample_side^2 elements of D are checked

struct timed_algo {
  cublasLtMatmulAlgo_t algo;
  double seconds;  // one call
  int rank;        // its place in cuBLASLt's heuristic order, from 0
};

// gemm_algo::heuristic: cuBLASLt's first choice (what cuBLAS itself runs), timed for the
// batch size; gemm_algo::fastest: each of the top 8 timed (one warm-up, three runs), the
// fastest kept.
timed_algo pick_algorithm(const lt_gemm& g, gemm_algo how, const void* a, const void* b, void* d,
                          cudaStream_t s) {
  const auto cands = g.candidates(how == gemm_algo::fastest ? 8 : 1);
  if (cands.empty())
    throw gpu_error(
        error_kind::not_supported, 0,
        std::string("cuBLASLt has no algorithm for ") + dtype_name(g.type()) + " on this GPU");
  event start, stop;
  timed_algo best{cands.front().algo, std::numeric_limits<double>::infinity(), 0};
  for (std::size_t i = 0; i < cands.size(); ++i) {
    g.run(cands[i].algo, a, b, d, s);
    start.record(s);
    for (int r = 0; r < 3; ++r) g.run(cands[i].algo, a, b, d, s);
    stop.record(s);
    const double t = elapsed_seconds(start, stop) / 3.0;
    if (t < best.seconds) best = {cands[i].algo, t, static_cast<int>(i)};
  }
  return best;
}

// Host copy of column `col` (len elements) of a column-major device matrix.
std::vector<unsigned char> fetch_column(const void* base, dtype t, std::size_t len,
                                        std::size_t col) {
  const std::size_t eb = dtype_bytes(t);
  std::vector<unsigned char> host(len * eb);
  GPUPARITY_CUDA_CHECK(cudaMemcpy(host.data(),
                                  static_cast<const unsigned char*>(base) + col * len * eb,
                                  host.size(), cudaMemcpyDeviceToHost));
  return host;
}

// D(i, j) = sum_p A(p, i) B(p, j) on sampled i, j in float64 from the device's own
// (rounded) inputs; relative norm error against the dtype's tolerance.
void check_gemm(dtype t, int n, const device_buffer& a, const device_buffer& b,
                const device_buffer& d, std::uint64_t pick) {
  const auto un = static_cast<std::size_t>(n);
  std::vector<std::size_t> rows, cols;
  for (int k = 0; k < sample_side; ++k) {
    rows.push_back(k == 0 ? 0 : k == 1 ? un - 1 : mix64(pick, 2u * k) % un);
    cols.push_back(k == 0 ? un - 1 : k == 1 ? 0 : mix64(pick, 2u * k + 1) % un);
  }
  const dtype out_t = gemm_output_type(t);
  // Each sampled column converted to double once: the reference is 16 x 16 dot products.
  auto as_doubles = [un](const std::vector<unsigned char>& raw, dtype type) {
    std::vector<double> v(un);
    for (std::size_t p = 0; p < un; ++p) v[p] = element_as_double(type, raw.data(), p);
    return v;
  };
  std::vector<std::vector<double>> a_rows, b_cols;
  std::vector<std::vector<unsigned char>> d_cols;
  for (auto i : rows) a_rows.push_back(as_doubles(fetch_column(a.get(), t, un, i), t));
  for (auto j : cols) {
    b_cols.push_back(as_doubles(fetch_column(b.get(), t, un, j), t));
    d_cols.push_back(fetch_column(d.get(), out_t, un, j));
  }
  double input_sq = 0.0;
  for (const auto& a_row : a_rows)
    for (double v : a_row) input_sq += v * v;
  std::vector<double> out, ref;
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (std::size_t c = 0; c < cols.size(); ++c) {
      double acc = 0.0;
      for (std::size_t p = 0; p < un; ++p) acc += a_rows[r][p] * b_cols[c][p];
      ref.push_back(acc);
      out.push_back(element_as_double(out_t, d_cols[c].data(), rows[r]));
    }
  if (!(input_sq > 0.0)) throw incorrect_result("GEMM inputs are all zero: the random fill failed");
  const double err = relative_norm_error(out, ref);
  if (!(err <= gemm_tolerance(t)))
    throw incorrect_result(std::string("gemm ") + dtype_name(t) + " " + std::to_string(n) +
                           ": relative error " + std::to_string(err) + " over " +
                           std::to_string(out.size()) + " sampled elements exceeds " +
                           std::to_string(gemm_tolerance(t)));
}

void gemm_case(benchmark::State& state, bench_context& ctx, dtype t, int n) {
  if (t == dtype::fp8_e4m3 && ctx.gpu.cc_major * 10 + ctx.gpu.cc_minor < 89)
    throw gpu_error(error_kind::not_supported, 0, "FP8 GEMM needs compute capability 8.9 or newer");
  const auto elems = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  const std::size_t in_bytes = elems * dtype_bytes(t),
                    out_bytes = elems * dtype_bytes(gemm_output_type(t));
  require_device_memory(2 * in_bytes + out_bytes + workspace_bytes, "GEMM operands",
                        "--gemm-sizes");
  stream st;
  lt_handle handle;
  lt_gemm g(handle, t, n, n, n, workspace_bytes);
  device_buffer a(in_bytes), b(in_bytes), d(out_bytes);
  launch_fill_uniform(t, a.get(), elems, ctx.next_seed(), st.get());
  launch_fill_uniform(t, b.get(), elems, ctx.next_seed(), st.get());
  const timed_algo picked =
      pick_algorithm(g, ctx.options.gemm_algorithm, a.get(), b.get(), d.get(), st.get());
  const cublasLtMatmulAlgo_t& algo = picked.algo;
  poison(d.get(), d.bytes(), st.get());
  g.run(algo, a.get(), b.get(), d.get(), st.get());
  st.synchronize();
  check_gemm(t, n, a, b, d, ctx.next_seed());

  poison(d.get(), d.bytes(), st.get());
  if (ctx.options.gemm_warmup_seconds > 0.0) {
    const int warm =
        1 + static_cast<int>(ctx.options.gemm_warmup_seconds / std::max(picked.seconds, 1e-6));
    for (int i = 0; i < warm; ++i) g.run(algo, a.get(), b.get(), d.get(), st.get());
  }
  const int batch = batch_for(picked.seconds, ctx.options.gemm_batch_seconds);
  const auto samples = event_timed_loop(
      state, st.get(), batch, [&] { g.run(algo, a.get(), b.get(), d.get(), st.get()); },
      ctx.options.gemm_idle_seconds);
  st.synchronize();
  check_gemm(t, n, a, b, d, ctx.next_seed());
  set_rate(state, "flop_per_second", batch * g.flops(), samples);
  state.counters["algorithm_rank"] = picked.rank;
}

}  // namespace

void register_gemm_cases(bench_context& ctx) {
  for (dtype t : {dtype::fp32, dtype::tf32, dtype::fp16, dtype::bf16, dtype::fp8_e4m3})
    for (int n : ctx.options.gemm_sizes) {
      const std::string name =
          std::string("gemm/cublaslt/") + dtype_name(t) + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(
          name.c_str(),
          [&ctx, t, n, name](benchmark::State& st) {
            run_case(st, ctx, name, [&](benchmark::State& s) { gemm_case(s, ctx, t, n); });
          })
          ->UseManualTime()
          ->Iterations(ctx.options.gemm_bursts)
          ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace gpuparity
