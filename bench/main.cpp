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
}

}  // namespace

int main(int argc, char** argv) {
  // A cold child of startup/first_kernel: nothing else may run first.
  if (argc >= 2 && std::strcmp(argv[1], "--gpuparity-startup-child") == 0)
    return gpuparity::run_startup_child(argc >= 3 ? std::atoi(argv[2]) : 0);
  return gpuparity::program_main(argc, argv, "gpuparity-bench", register_all);
}
