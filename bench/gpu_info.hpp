#pragma once
// What the program sees of its GPU, stamped into every report's context.
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

namespace gpuparity {

struct gpu_info {
  bool usable = false;
  std::string error;  // why not usable: one line naming cause and fix
  int device = 0;
  int device_count = 0;
  std::string name, uuid, pci_bus_id;
  // Every visible device's UUID, in CUDA's order, comma-separated: the audit compares the
  // sides' GPU sets for work across GPUs (peer/, nccl/ cases).
  std::string all_uuids;
  int sm_count = 0, cc_major = 0, cc_minor = 0;
  int sm_clock_khz = 0, memory_clock_khz = 0, memory_bus_bits = 0;
  std::size_t memory_bytes = 0, l2_bytes = 0;
  int driver_version = 0, runtime_version = 0;  // e.g. 13000 for 13.0
  bool ecc = false;

  // (key, value) pairs for benchmark::AddCustomContext and the error document.
  std::vector<std::pair<std::string, std::string>> context() const;
};

// Probes `device` without creating a context. Never throws: a failure fills `error`.
gpu_info probe_gpu(int device);

// "13.0" from 13000.
std::string cuda_version_string(int v);

}  // namespace gpuparity
