#include "no_gpu_message.hpp"

#include <unistd.h>

namespace gpuparity {

namespace {
const char* const gpu_flags =
    "docker --gpus all, podman --device nvidia.com/gpu=all, apptainer --nv";
}  // namespace

std::string no_gpu_message(const no_gpu_cause& c) {
  // Without the kernel module the runtime's complaint is about a driver that is absent, not
  // old; cudaErrorNoDevice is what a libcuda without its module says.
  if (!c.driver_loaded &&
      (c.error_name == "cudaErrorInsufficientDriver" || c.error_name == "cudaErrorNoDevice"))
    return "no usable CUDA GPU: no NVIDIA driver is loaded on this machine (no "
           "/proc/driver/nvidia/version; CUDA: " +
           c.error_name +
           "): install the NVIDIA driver and load its kernel module (nvidia-smi must list the "
           "GPU), or run on a machine that has one; a container needs such a host and the GPU "
           "passed in (" +
           gpu_flags + ")";
  const std::string cause = c.error_name.empty()
                                ? "device " + std::to_string(c.device) + " requested but only " +
                                      std::to_string(c.device_count) + " visible"
                                : c.error_name + ": " + c.error_text;
  return "no usable CUDA GPU (" + cause +
         "); check that the NVIDIA driver is loaded (nvidia-smi) and, in a container, that the "
         "runtime passes the GPU in (" +
         gpu_flags + ") and that CUDA_VISIBLE_DEVICES is not empty";
}

bool nvidia_driver_loaded(const std::string& version_file) {
  return access(version_file.c_str(), F_OK) == 0;
}

}  // namespace gpuparity
