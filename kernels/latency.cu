#include "cuda_error.hpp"
#include "latency.cuh"

namespace gpuparity {
namespace {

__global__ void empty_kernel() {}

__global__ void write_value_kernel(std::uint32_t* p, std::uint32_t v) {
  if (threadIdx.x == 0 && blockIdx.x == 0) *p = v;
}

__global__ void link_chase_kernel(std::uint32_t* buffer, const std::uint32_t* nodes,
                                  std::size_t count) {
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < count;
       i += std::size_t{gridDim.x} * blockDim.x)
    buffer[nodes[i]] = nodes[(i + 1) % count];
}

// __ldcg: cached in L2 only, so every step that misses L2 pays the trip to DRAM.
__global__ void pointer_chase_kernel(const std::uint32_t* buffer, std::uint32_t start, int steps,
                                     std::uint32_t* end) {
  std::uint32_t i = start;
  for (int k = 0; k < steps; ++k) i = __ldcg(buffer + i);
  *end = i;
}

}  // namespace

void launch_empty(cudaStream_t s) {
  empty_kernel<<<1, 1, 0, s>>>();
  GPUPARITY_CHECK_LAUNCH();
}

void launch_write_value(std::uint32_t* p, std::uint32_t value, cudaStream_t s) {
  write_value_kernel<<<1, 32, 0, s>>>(p, value);
  GPUPARITY_CHECK_LAUNCH();
}

void launch_link_chase(std::uint32_t* buffer, const std::uint32_t* nodes, std::size_t count,
                       cudaStream_t s) {
  link_chase_kernel<<<1024, 256, 0, s>>>(buffer, nodes, count);
  GPUPARITY_CHECK_LAUNCH();
}

void launch_pointer_chase(const std::uint32_t* buffer, std::uint32_t start, int steps,
                          std::uint32_t* end, cudaStream_t s) {
  pointer_chase_kernel<<<1, 1, 0, s>>>(buffer, start, steps, end);
  GPUPARITY_CHECK_LAUNCH();
}

}  // namespace gpuparity
