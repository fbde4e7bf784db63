#include <cuda_fp16.h>

#include "cuda_error.hpp"
#include "fma.cuh"
#include "random.cuh"

namespace gpuparity {

const char* fma_type_name(fma_type t) {
  switch (t) {
    case fma_type::fp32:
      return "fp32";
    case fma_type::fp64:
      return "fp64";
    case fma_type::fp16x2:
      return "fp16";
  }
  return "unknown";
}

namespace {

int lanes(fma_type t) { return t == fma_type::fp16x2 ? 2 : 1; }

__device__ __forceinline__ float fma_op(float x, float a, float b) { return fmaf(x, a, b); }
__device__ __forceinline__ double fma_op(double x, double a, double b) { return fma(x, a, b); }
__device__ __forceinline__ __half2 fma_op(__half2 x, __half2 a, __half2 b) {
  return __hfma2(x, a, b);
}

template <typename T>
__device__ T start_value(std::uint64_t seed, std::uint64_t e);
template <>
__device__ float start_value<float>(std::uint64_t seed, std::uint64_t e) {
  return static_cast<float>(fma_start_value(seed, e));
}
template <>
__device__ double start_value<double>(std::uint64_t seed, std::uint64_t e) {
  return static_cast<double>(fma_start_value(seed, e));
}
template <>
__device__ __half2 start_value<__half2>(std::uint64_t seed, std::uint64_t e) {
  return __floats2half2_rn(static_cast<float>(fma_start_value(seed, 2 * e)),
                           static_cast<float>(fma_start_value(seed, 2 * e + 1)));
}

__device__ __forceinline__ double to_sum(float v) { return v; }
__device__ __forceinline__ double to_sum(double v) { return v; }
__device__ __forceinline__ double to_sum(__half2 v) {
  const float2 f = __half22float2(v);
  return static_cast<double>(f.x) + static_cast<double>(f.y);
}

template <typename T>
__global__ void fma_chain_kernel(double* out, std::uint64_t seed, int iterations, T a, T b, T c) {
  const std::size_t t = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x;
  T x[fma_chains];
#pragma unroll
  for (int k = 0; k < fma_chains; ++k) x[k] = start_value<T>(seed, t * fma_chains + k);
#pragma unroll 8
  for (int it = 0; it < iterations; ++it) {
#pragma unroll
    for (int k = 0; k < fma_chains; ++k) x[k] = fma_op(x[k], a, b);
#pragma unroll
    for (int k = 0; k < fma_chains; ++k) x[k] = fma_op(x[k], a, c);
  }
  double sum = 0.0;
#pragma unroll
  for (int k = 0; k < fma_chains; ++k) sum += to_sum(x[k]);
  out[t] = sum;
}

}  // namespace

double fma_flops(const fma_problem& p) {
  return static_cast<double>(p.blocks) * p.threads * fma_chains * lanes(p.type) *
         static_cast<double>(p.iterations) * 2.0 /* FMAs per trip */ * 2.0 /* FLOP per FMA */;
}

void launch_fma_chain(const fma_problem& p, double* out, cudaStream_t s) {
  switch (p.type) {
    case fma_type::fp32:
      fma_chain_kernel<float><<<p.blocks, p.threads, 0, s>>>(
          out, p.seed, p.iterations, 1.0f, static_cast<float>(p.b), static_cast<float>(p.c));
      break;
    case fma_type::fp64:
      fma_chain_kernel<double>
          <<<p.blocks, p.threads, 0, s>>>(out, p.seed, p.iterations, 1.0, p.b, p.c);
      break;
    case fma_type::fp16x2:
      fma_chain_kernel<__half2><<<p.blocks, p.threads, 0, s>>>(
          out, p.seed, p.iterations, __float2half2_rn(1.0f),
          __float2half2_rn(static_cast<float>(p.b)), __float2half2_rn(static_cast<float>(p.c)));
      break;
  }
  GPUPARITY_CHECK_LAUNCH();
}

double fma_expected(const fma_problem& p, std::size_t thread) {
  const int l = lanes(p.type);
  double sum = 0.0;
  for (int k = 0; k < fma_chains; ++k)
    for (int j = 0; j < l; ++j) {
      const std::uint64_t e = thread * fma_chains + static_cast<std::uint64_t>(k);
      sum += static_cast<double>(fma_start_value(p.seed, l == 2 ? 2 * e + j : e)) +
             static_cast<double>(p.iterations) * (p.b + p.c);
    }
  return sum;
}

}  // namespace gpuparity
