// gpuparity-bench: the CUDA and cuBLASLt workloads as Google Benchmark cases.
#include <cstdlib>
#include <cstring>

#include "cases.hpp"
#include "program.hpp"

namespace {

void register_all(gpuparity::bench_context& ctx) {
  gpuparity::register_stream_cases(ctx);
  gpuparity::register_copy_cases(ctx);
  gpuparity::register_compute_cases(ctx);
  gpuparity::register_gemm_cases(ctx);
  gpuparity::register_latency_cases(ctx);
  gpuparity::register_startup_cases(ctx);
  gpuparity::register_peer_cases(ctx);
#ifdef GPUPARITY_WITH_NCCL
  gpuparity::register_nccl_cases(ctx);
#endif
}

#ifdef GPUPARITY_WITH_NCCL
constexpr const char* help_footer =
    "nccl/ cases: built against NCCL " GPUPARITY_NCCL_VERSION
    "; libnccl.so.2 is loaded when they run (not_supported without it).\n";
#else
constexpr const char* help_footer =
    "nccl/ cases: not in this build (configure found no nccl.h; see docs/workloads.md).\n";
#endif

}  // namespace

int main(int argc, char** argv) {
  // A cold child of startup/first_kernel: nothing else may run first.
  if (argc >= 2 && std::strcmp(argv[1], "--gpuparity-startup-child") == 0)
    return gpuparity::run_startup_child(argc >= 3 ? std::atoi(argv[2]) : 0);
#ifdef GPUPARITY_WITH_NCCL
  // One rank of an nccl/ case (nccl_cases.cpp spawns them).
  if (argc >= 2 && std::strcmp(argv[1], gpuparity::nccl_rank_flag) == 0)
    return gpuparity::run_nccl_rank(argc, argv);
#endif
  return gpuparity::program_main(argc, argv, "gpuparity-bench", register_all, help_footer);
}
