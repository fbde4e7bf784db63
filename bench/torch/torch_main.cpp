// gpuparity-torch: LibTorch workloads under the same protocol as gpuparity-bench.
#include "program.hpp"
#include "torch_cases.hpp"

int main(int argc, char** argv) {
  return gpuparity::program_main(argc, argv, "gpuparity-torch", gpuparity::register_torch_cases);
}
