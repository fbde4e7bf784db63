#pragma once
// Random fills on the device, from the counter-based generator in random.cuh.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "dtype.hpp"

namespace gpuparity {

// STREAM arrays: element i = stream_value_numerator(seed, i) / 1024.
void launch_fill_stream(double* p, std::size_t n, std::uint64_t seed, cudaStream_t s);

// Matrix operands: uniform_pm1(seed, i) rounded to the element type (tf32 is stored as
// fp32: the GEMM rounds it).
void launch_fill_uniform(dtype t, void* p, std::size_t n, std::uint64_t seed, cudaStream_t s);

// Every byte of [p, p+bytes) set to 0xFF: NaN in every floating type, so an element the
// workload failed to write cannot pass a check.
void poison(void* p, std::size_t bytes, cudaStream_t s);

}  // namespace gpuparity
