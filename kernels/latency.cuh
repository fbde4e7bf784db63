#pragma once
// Kernels for the latency cases: an empty kernel, a one-value write, and a pointer chase.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpuparity {

void launch_empty(cudaStream_t s);

// *p = value, from one thread: proves a stream really runs kernels.
void launch_write_value(std::uint32_t* p, std::uint32_t value, cudaStream_t s);

// Links the chase: buffer[node[i]] = node[i + 1] (cyclically), node[] given as word indices.
void launch_link_chase(std::uint32_t* buffer, const std::uint32_t* nodes, std::size_t count,
                       cudaStream_t s);

// One thread follows `steps` dependent loads from `start`; *end = the index reached.
void launch_pointer_chase(const std::uint32_t* buffer, std::uint32_t start, int steps,
                          std::uint32_t* end, cudaStream_t s);

}  // namespace gpuparity
