#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "cuda_error.hpp"
#include "fill.cuh"
#include "random.cuh"

namespace gpuparity {
namespace {

constexpr int fill_threads = 256;

unsigned fill_blocks(std::size_t n) {
  const std::size_t b = (n + fill_threads - 1) / fill_threads;
  return static_cast<unsigned>(b < 65536 * 16 ? (b ? b : 1) : 65536 * 16);
}

__global__ void fill_stream_kernel(double* p, std::size_t n, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x)
    p[i] = static_cast<double>(stream_value_numerator(seed, i)) / stream_denominator;
}

template <typename T>
__global__ void fill_uniform_kernel(T* p, std::size_t n, std::uint64_t seed) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x)
    p[i] = T(uniform_pm1(seed, i));
}

template <typename T>
void fill_uniform(void* p, std::size_t n, std::uint64_t seed, cudaStream_t s) {
  fill_uniform_kernel<T><<<fill_blocks(n), fill_threads, 0, s>>>(static_cast<T*>(p), n, seed);
  GPUPARITY_CHECK_LAUNCH();
}

}  // namespace

void launch_fill_stream(double* p, std::size_t n, std::uint64_t seed, cudaStream_t s) {
  fill_stream_kernel<<<fill_blocks(n), fill_threads, 0, s>>>(p, n, seed);
  GPUPARITY_CHECK_LAUNCH();
}

void launch_fill_uniform(dtype t, void* p, std::size_t n, std::uint64_t seed, cudaStream_t s) {
  switch (t) {
    case dtype::fp64:
      return fill_uniform<double>(p, n, seed, s);
    case dtype::fp32:
    case dtype::tf32:
      return fill_uniform<float>(p, n, seed, s);
    case dtype::fp16:
      return fill_uniform<__half>(p, n, seed, s);
    case dtype::bf16:
      return fill_uniform<__nv_bfloat16>(p, n, seed, s);
    case dtype::fp8_e4m3:
      return fill_uniform<__nv_fp8_e4m3>(p, n, seed, s);
  }
}

void poison(void* p, std::size_t bytes, cudaStream_t s) {
  GPUPARITY_CUDA_CHECK(cudaMemsetAsync(p, 0xFF, bytes, s));
}

}  // namespace gpuparity
