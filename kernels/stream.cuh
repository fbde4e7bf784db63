#pragma once
// STREAM family over double arrays, 16-byte vector accesses (double2).
//   copy  out = x          scale out = 3 x
//   add   out = x + y      triad out = x + 3 y       dot   sum x y
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpuparity {

enum class stream_op { copy, scale, add, triad, dot };

const char* stream_op_name(stream_op op);
// Arrays each launch reads plus writes: bytes moved = this * n * sizeof(double).
int stream_arrays_touched(stream_op op);

// How threads walk the arrays.
enum class stream_layout {
  grid_stride,  // a fixed grid (blocks_per_sm per SM) strides over the whole array
  tiles,        // one block per tile of threads * unroll elements; the grid covers the array
};

// Defaults from a sweep on an H100 SXM (results/NVIDIA_H100_80GB_HBM3/stream-sweep.txt):
// tiles of 1024 threads, one 16-byte access each, beat every grid-stride shape by ~7%
// (copy 3033 vs 2832 GB/s); the hints and unroll changed little.
struct stream_config {
  stream_layout layout = stream_layout::tiles;
  bool streaming_hints = true;  // ld/st.global.cs (evict-first) instead of plain accesses
  int blocks_per_sm = 4;        // grid_stride: resident blocks per multiprocessor
  int threads = 1024;           // threads per block
  int unroll = 1;               // 16-byte loads each thread has in flight: 1, 2, 4 or 8
};

// n doubles per array, n even. dot adds x.y into *dot_out (zero it first).
void launch_stream(stream_op op, const stream_config& cfg, int sm_count, const double* x,
                   const double* y, double* out, double* dot_out, std::size_t n, cudaStream_t s);

// Recomputes every element from the generator (seeds of x and y) and counts elements
// of out that differ from the exact gold value into *mismatches.
void launch_stream_check(stream_op op, const double* out, std::size_t n, std::uint64_t seed_x,
                         std::uint64_t seed_y, unsigned long long* mismatches, cudaStream_t s);

// Exact dot product of the generated arrays in integer arithmetic: sum of numerators
// (divide by 1024^2 for the value) into *numerator_sum (zero it first).
void launch_stream_dot_gold(std::size_t n, std::uint64_t seed_x, std::uint64_t seed_y,
                            long long* numerator_sum, cudaStream_t s);

}  // namespace gpuparity
