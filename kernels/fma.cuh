#pragma once
// Arithmetic peak: independent chains of fused multiply-adds, x = fma(x, 1, b); x = fma(x, 1, c),
// whose exact result x0 + iterations * (b + c) the host checks for every thread.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace gpuparity {

enum class fma_type { fp32, fp64, fp16x2 };

const char* fma_type_name(fma_type t);

inline constexpr int fma_chains =
    8;  // independent chains per thread (instruction-level parallelism)

struct fma_problem {
  fma_type type = fma_type::fp32;
  unsigned blocks = 0;
  int threads = 256;
  int iterations = 0;  // loop trips; each trip is two FMAs per chain (per lane for fp16x2)
  double b = 1.0, c = 1.0;
  std::uint64_t seed = 0;
};

// Floating-point operations one launch performs (an FMA counts as two).
double fma_flops(const fma_problem& p);

// out[thread] = sum over the thread's chains (and fp16x2 lanes) of the final values, in
// double (exact for the integers involved). out holds blocks * threads doubles.
void launch_fma_chain(const fma_problem& p, double* out, cudaStream_t s);

// The value the host expects in out[thread].
double fma_expected(const fma_problem& p, std::size_t thread);

}  // namespace gpuparity
