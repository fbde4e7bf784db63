#include "cuda_error.hpp"
#include "random.cuh"
#include "stream.cuh"

namespace gpuparity {

const char* stream_op_name(stream_op op) {
  switch (op) {
    case stream_op::copy:
      return "copy";
    case stream_op::scale:
      return "scale";
    case stream_op::add:
      return "add";
    case stream_op::triad:
      return "triad";
    case stream_op::dot:
      return "dot";
  }
  return "unknown";
}

int stream_arrays_touched(stream_op op) {
  return (op == stream_op::add || op == stream_op::triad) ? 3 : 2;
}

namespace {

template <stream_op Op>
__device__ __forceinline__ double2 apply(double2 x, double2 y) {
  constexpr double s = stream_scalar;
  if constexpr (Op == stream_op::copy) return x;
  if constexpr (Op == stream_op::scale) return make_double2(s * x.x, s * x.y);
  if constexpr (Op == stream_op::add) return make_double2(x.x + y.x, x.y + y.y);
  if constexpr (Op == stream_op::triad) return make_double2(x.x + s * y.x, x.y + s * y.y);
  return x;
}

__device__ __forceinline__ double block_sum(double v) {
  __shared__ double warp_sums[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  if (lane == 0) warp_sums[warp] = v;
  __syncthreads();
  v = threadIdx.x < (blockDim.x >> 5) ? warp_sums[threadIdx.x] : 0.0;
  if (warp == 0)
    for (int o = 16; o > 0; o >>= 1) v += __shfl_down_sync(0xffffffffu, v, o);
  return v;
}

template <bool Streaming>
__device__ __forceinline__ double2 load(const double2* p) {
  if constexpr (Streaming) return __ldcs(p);
  return *p;
}
template <bool Streaming>
__device__ __forceinline__ void store(double2* p, double2 v) {
  if constexpr (Streaming)
    __stcs(p, v);
  else
    *p = v;
}

// Each thread first issues U independent 16-byte loads per input, then the stores, so
// U * 16 bytes per input are in flight per thread. Element of step u for this thread:
//   grid_stride: i + u * stride, i advancing by U * stride (stride = all threads)
//   tiles:       tile start + u * blockDim + threadIdx, one tile per block
// With streaming hints loads and stores are marked evict-first: nothing is reused.
template <stream_op Op, int U, bool Tiles, bool Streaming>
__global__ void stream_kernel(const double2* __restrict__ x, const double2* __restrict__ y,
                              double2* __restrict__ out, double* __restrict__ dot_out,
                              std::size_t n2) {
  constexpr bool reads_y = Op == stream_op::add || Op == stream_op::triad || Op == stream_op::dot;
  const std::size_t step = Tiles ? blockDim.x : std::size_t{gridDim.x} * blockDim.x;
  std::size_t i = Tiles ? blockIdx.x * std::size_t{blockDim.x} * U + threadIdx.x
                        : blockIdx.x * std::size_t{blockDim.x} + threadIdx.x;
  const std::size_t advance = Tiles ? n2 : U * step;  // tiles: one pass only
  double acc = 0.0;
  for (; i + (U - 1) * step < n2; i += advance) {
    double2 vx[U], vy[U];
#pragma unroll
    for (int u = 0; u < U; ++u) {
      vx[u] = load<Streaming>(x + i + u * step);
      if constexpr (reads_y) vy[u] = load<Streaming>(y + i + u * step);
    }
#pragma unroll
    for (int u = 0; u < U; ++u) {
      if constexpr (Op == stream_op::dot)
        acc += vx[u].x * vy[u].x + vx[u].y * vy[u].y;
      else
        store<Streaming>(out + i + u * step, apply<Op>(vx[u], reads_y ? vy[u] : vx[u]));
    }
  }
  // Remainder: the elements of this thread's last, partial round.
  for (int u = 0; u < U && i + u * step < n2; ++u) {
    const double2 vx = load<Streaming>(x + i + u * step);
    const double2 vy = reads_y ? load<Streaming>(y + i + u * step) : vx;
    if constexpr (Op == stream_op::dot)
      acc += vx.x * vy.x + vx.y * vy.y;
    else
      store<Streaming>(out + i + u * step, apply<Op>(vx, vy));
  }
  if constexpr (Op == stream_op::dot) {
    acc = block_sum(acc);
    if (threadIdx.x == 0) atomicAdd(dot_out, acc);
  }
}

template <stream_op Op, int U, bool Tiles, bool Streaming>
void launch_shape(const stream_config& c, unsigned blocks, const double2* x, const double2* y,
                  double2* out, double* dot_out, std::size_t n2, cudaStream_t s) {
  stream_kernel<Op, U, Tiles, Streaming><<<blocks, c.threads, 0, s>>>(x, y, out, dot_out, n2);
}

template <stream_op Op, int U>
void launch_unrolled(const stream_config& c, int sm_count, const double2* x, const double2* y,
                     double2* out, double* dot_out, std::size_t n2, cudaStream_t s) {
  if (c.layout == stream_layout::tiles) {
    const std::size_t tile = std::size_t(c.threads) * U;
    const auto blocks = static_cast<unsigned>((n2 + tile - 1) / tile);
    if (c.streaming_hints)
      launch_shape<Op, U, true, true>(c, blocks, x, y, out, dot_out, n2, s);
    else
      launch_shape<Op, U, true, false>(c, blocks, x, y, out, dot_out, n2, s);
  } else {
    const auto blocks = static_cast<unsigned>(sm_count * c.blocks_per_sm);
    if (c.streaming_hints)
      launch_shape<Op, U, false, true>(c, blocks, x, y, out, dot_out, n2, s);
    else
      launch_shape<Op, U, false, false>(c, blocks, x, y, out, dot_out, n2, s);
  }
}

template <stream_op Op>
void launch_op(const stream_config& c, int sm_count, const double* x, const double* y, double* out,
               double* dot_out, std::size_t n, cudaStream_t s) {
  auto x2 = reinterpret_cast<const double2*>(x);
  auto y2 = reinterpret_cast<const double2*>(y);
  auto o2 = reinterpret_cast<double2*>(out);
  const std::size_t n2 = n / 2;
  switch (c.unroll) {
    case 1:
      launch_unrolled<Op, 1>(c, sm_count, x2, y2, o2, dot_out, n2, s);
      break;
    case 2:
      launch_unrolled<Op, 2>(c, sm_count, x2, y2, o2, dot_out, n2, s);
      break;
    case 8:
      launch_unrolled<Op, 8>(c, sm_count, x2, y2, o2, dot_out, n2, s);
      break;
    default:
      launch_unrolled<Op, 4>(c, sm_count, x2, y2, o2, dot_out, n2, s);
      break;
  }
  GPUPARITY_CHECK_LAUNCH();
}

__global__ void stream_check_kernel(stream_op op, const double* out, std::size_t n,
                                    std::uint64_t seed_x, std::uint64_t seed_y,
                                    unsigned long long* mismatches) {
  unsigned long long bad = 0;
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x) {
    const long long kx = stream_value_numerator(seed_x, i);
    const long long ky = stream_value_numerator(seed_y, i);
    long long k = kx;
    if (op == stream_op::scale) k = 3 * kx;
    if (op == stream_op::add) k = kx + ky;
    if (op == stream_op::triad) k = kx + 3 * ky;
    // Bitwise comparison: NaN (the poison) never equals a gold value.
    if (!(out[i] == static_cast<double>(k) / stream_denominator)) ++bad;
  }
  if (bad) atomicAdd(mismatches, bad);
}

__global__ void stream_dot_gold_kernel(std::size_t n, std::uint64_t seed_x, std::uint64_t seed_y,
                                       long long* sum) {
  long long acc = 0;
  for (std::size_t i = blockIdx.x * std::size_t{blockDim.x} + threadIdx.x; i < n;
       i += std::size_t{gridDim.x} * blockDim.x)
    acc += stream_value_numerator(seed_x, i) * stream_value_numerator(seed_y, i);
  atomicAdd(reinterpret_cast<unsigned long long*>(sum), static_cast<unsigned long long>(acc));
}

constexpr unsigned check_blocks = 132 * 16;

}  // namespace

void launch_stream(stream_op op, const stream_config& c, int sm_count, const double* x,
                   const double* y, double* out, double* dot_out, std::size_t n, cudaStream_t s) {
  switch (op) {
    case stream_op::copy:
      return launch_op<stream_op::copy>(c, sm_count, x, y, out, dot_out, n, s);
    case stream_op::scale:
      return launch_op<stream_op::scale>(c, sm_count, x, y, out, dot_out, n, s);
    case stream_op::add:
      return launch_op<stream_op::add>(c, sm_count, x, y, out, dot_out, n, s);
    case stream_op::triad:
      return launch_op<stream_op::triad>(c, sm_count, x, y, out, dot_out, n, s);
    case stream_op::dot:
      return launch_op<stream_op::dot>(c, sm_count, x, y, out, dot_out, n, s);
  }
}

void launch_stream_check(stream_op op, const double* out, std::size_t n, std::uint64_t seed_x,
                         std::uint64_t seed_y, unsigned long long* mismatches, cudaStream_t s) {
  stream_check_kernel<<<check_blocks, 256, 0, s>>>(op, out, n, seed_x, seed_y, mismatches);
  GPUPARITY_CHECK_LAUNCH();
}

void launch_stream_dot_gold(std::size_t n, std::uint64_t seed_x, std::uint64_t seed_y,
                            long long* numerator_sum, cudaStream_t s) {
  stream_dot_gold_kernel<<<check_blocks, 256, 0, s>>>(n, seed_x, seed_y, numerator_sum);
  GPUPARITY_CHECK_LAUNCH();
}

}  // namespace gpuparity
