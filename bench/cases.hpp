#pragma once
// One registration function per workload family; main() calls them in this order.
#include "bench_context.hpp"

namespace gpuparity {

void register_stream_cases(bench_context& ctx);
void register_copy_cases(bench_context& ctx);
void register_compute_cases(bench_context& ctx);
void register_gemm_cases(bench_context& ctx);
void register_latency_cases(bench_context& ctx);
void register_startup_cases(bench_context& ctx);

// The body of `gpuparity-bench --gpuparity-startup-child`: a cold process that makes
// its first CUDA call, runs one kernel and prints "first_kernel_done_ns <CLOCK_MONOTONIC ns>".
int run_startup_child(int device);

}  // namespace gpuparity
