#pragma once
// Why a workload program has no usable GPU, in one line that names the cause and the fix.
// CUDA's own words mislead on a machine with no NVIDIA driver at all: the runtime finds no
// libcuda and says cudaErrorInsufficientDriver, "CUDA driver version is insufficient for
// CUDA runtime version", and a user upgrades a driver that is not there. The kernel
// module's /proc file tells the two apart.
#include <string>

namespace gpuparity {

struct no_gpu_cause {
  std::string error_name;      // cudaGetErrorName; "" when CUDA succeeded (device out of range)
  std::string error_text;      // cudaGetErrorString
  int device_count = 0;        // devices CUDA sees
  int device = 0;              // the one asked for
  bool driver_loaded = false;  // the NVIDIA kernel module is loaded (nvidia_driver_loaded)
};

// Starts "no usable CUDA GPU" (the harness and its tests look for it).
std::string no_gpu_message(const no_gpu_cause& c);

// Whether the NVIDIA kernel module is loaded: its version file exists.
bool nvidia_driver_loaded(const std::string& version_file = "/proc/driver/nvidia/version");

}  // namespace gpuparity
