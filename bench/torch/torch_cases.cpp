// LibTorch workloads. Work runs on LibTorch's current stream, the default stream of the
// device, so CUDA events recorded on stream 0 bracket it.
#include "torch_cases.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "case_runner.hpp"
#include "verify.hpp"

namespace gpuparity {
namespace {

// Transformer encoder block: BERT-large width, 2048 tokens per sequence.
constexpr int64_t d_model = 1024, n_heads = 16, d_ff = 4096, seq_len = 2048, sequences = 8;

torch::Dtype torch_type(dtype t) {
  switch (t) {
    case dtype::fp16:
      return torch::kFloat16;
    case dtype::bf16:
      return torch::kBFloat16;
    default:
      return torch::kFloat32;
  }
}

void require_cuda() {
  if (!torch::cuda::is_available())
    throw gpu_error(error_kind::no_device, 0,
                    "LibTorch sees no CUDA device (a CPU-only LibTorch build, or no GPU)");
}

double relative_error(const torch::Tensor& out, const torch::Tensor& ref) {
  const auto o = out.to(torch::kFloat64), r = ref.to(torch::kFloat64);
  if (!torch::isfinite(o).all().item<bool>()) return std::numeric_limits<double>::infinity();
  return ((o - r).norm() / r.norm()).item<double>();
}

void matmul_case(benchmark::State& state, bench_context& ctx, dtype t, int64_t n) {
  require_cuda();
  torch::NoGradGuard no_grad;
  torch::manual_seed(ctx.next_seed());
  const auto opts =
      torch::TensorOptions().dtype(torch_type(t)).device(torch::kCUDA, ctx.gpu.device);
  // Uniform in [-1, 1), the distribution the cuBLASLt cases use, so the two compare.
  const auto a = torch::rand({n, n}, opts).mul_(2).sub_(1);
  const auto b = torch::rand({n, n}, opts).mul_(2).sub_(1);
  auto c = torch::full({n, n}, std::numeric_limits<float>::quiet_NaN(), opts);
  torch::matmul_out(c, a, b);
  auto check = [&] {
    const auto rows =
        torch::randint(n, {16}, torch::TensorOptions().dtype(torch::kLong).device(a.device()));
    const auto ref = a.index_select(0, rows).to(torch::kFloat64).matmul(b.to(torch::kFloat64));
    const double err = relative_error(c.index_select(0, rows), ref);
    if (!(err <= gemm_tolerance(t)))
      throw incorrect_result("torch matmul " + std::string(dtype_name(t)) + ": relative error " +
                             std::to_string(err) + " exceeds " + std::to_string(gemm_tolerance(t)));
  };
  check();
  c.fill_(std::numeric_limits<float>::quiet_NaN());
  const int batch = batch_for(time_one_call(nullptr, [&] { torch::matmul_out(c, a, b); }),
                              ctx.options.gemm_batch_seconds);
  const auto samples = event_timed_loop(
      state, nullptr, batch, [&] { torch::matmul_out(c, a, b); }, ctx.options.gemm_idle_seconds);
  torch::cuda::synchronize();
  check();
  set_rate(state, "flop_per_second", batch * 2.0 * double(n) * double(n) * double(n), samples);
}

void transformer_case(benchmark::State& state, bench_context& ctx) {
  require_cuda();
  torch::NoGradGuard no_grad;
  torch::manual_seed(ctx.next_seed());
  const torch::Device dev(torch::kCUDA, static_cast<c10::DeviceIndex>(ctx.gpu.device));
  torch::nn::TransformerEncoderLayer ref_layer(
      torch::nn::TransformerEncoderLayerOptions(d_model, n_heads)
          .dim_feedforward(d_ff)
          .dropout(0.0));
  ref_layer->to(dev);
  ref_layer->eval();
  // Round the reference's weights to bf16 so both models hold the same numbers.
  for (auto& p : ref_layer->parameters()) p.copy_(p.to(torch::kBFloat16).to(torch::kFloat32));
  auto layer =
      std::dynamic_pointer_cast<torch::nn::TransformerEncoderLayerImpl>(ref_layer->clone(dev));
  layer->to(torch::kBFloat16);
  layer->eval();
  const auto x = torch::randn({seq_len, sequences, d_model},
                              torch::TensorOptions().dtype(torch::kBFloat16).device(dev));
  torch::Tensor y = layer->forward(x);
  const double err = relative_error(y, ref_layer->forward(x.to(torch::kFloat32)));
  if (!(err <= 2e-2))
    throw incorrect_result("transformer block bf16: relative error " + std::to_string(err) +
                           " against the fp32 block exceeds 0.02");
  const int batch = batch_for(time_one_call(nullptr, [&] { y = layer->forward(x); }));
  const auto samples = event_timed_loop(state, nullptr, batch, [&] { y = layer->forward(x); });
  torch::cuda::synchronize();
  if (!torch::isfinite(y).all().item<bool>())
    throw incorrect_result("transformer block output is not finite");
  const double tokens = double(seq_len) * sequences;
  const double flops = tokens * (8.0 * d_model * d_model + 4.0 * d_model * d_ff) +
                       4.0 * double(seq_len) * double(seq_len) * d_model * sequences;
  set_rate(state, "tokens_per_second", batch * tokens, samples);
  set_rate(state, "flop_per_second", batch * flops, samples);
  state.counters["relative_error"] = err;
}

}  // namespace

void register_torch_cases(bench_context& ctx) {
  for (dtype t : {dtype::bf16, dtype::fp16, dtype::fp32})
    for (int n : ctx.options.gemm_sizes) {
      const std::string name =
          std::string("torch/matmul/") + dtype_name(t) + "/" + std::to_string(n);
      benchmark::RegisterBenchmark(
          name.c_str(),
          [&ctx, t, n, name](benchmark::State& st) {
            run_case(st, ctx, name, [&](benchmark::State& s) { matmul_case(s, ctx, t, n); });
          })
          ->UseManualTime()
          ->Iterations(ctx.options.gemm_bursts)
          ->Unit(benchmark::kMicrosecond);
    }
  const std::string name = "torch/transformer_block/bf16";
  benchmark::RegisterBenchmark(name.c_str(),
                               [&ctx, name](benchmark::State& st) {
                                 run_case(st, ctx, name,
                                          [&](benchmark::State& s) { transformer_case(s, ctx); });
                               })
      ->UseManualTime()
      ->Iterations(10)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace gpuparity
