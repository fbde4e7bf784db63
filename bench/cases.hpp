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
void register_peer_cases(bench_context& ctx);
// Registered only in a build with NCCL (GPUPARITY_WITH_NCCL): its ranks need nccl_rank.cpp.
void register_nccl_cases(bench_context& ctx);

// The body of `gpuparity-bench --gpuparity-startup-child`: a cold process that makes
// its first CUDA call, runs one kernel and prints "first_kernel_done_ns <CLOCK_MONOTONIC ns>".
int run_startup_child(int device);

// argv[1] of an NCCL rank process: `gpuparity-bench --gpuparity-nccl-rank OP BYTES RANK RANKS
// SEED ITERATIONS PARENT_PID` (nccl_cases.cpp spawns them, rank_group.hpp says what they print).
inline constexpr const char* nccl_rank_flag = "--gpuparity-nccl-rank";
int run_nccl_rank(int argc, char** argv);  // defined only in a build with NCCL

}  // namespace gpuparity
