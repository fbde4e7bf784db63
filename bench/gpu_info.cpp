#include "gpu_info.hpp"

#include <cuda_runtime_api.h>

#include <cstdio>

#include "gpuparity/version.hpp"
#include "no_gpu_message.hpp"

namespace gpuparity {

std::string cuda_version_string(int v) {
  return std::to_string(v / 1000) + "." + std::to_string((v % 1000) / 10);
}

namespace {

std::string format_uuid(const cudaUUID_t& u) {
  char s[64];
  const auto* b = reinterpret_cast<const unsigned char*>(u.bytes);
  std::snprintf(s, sizeof s,
                "GPU-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
                b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                b[14], b[15]);
  return s;
}

std::string no_device_message(cudaError_t e, int device_count, int device) {
  no_gpu_cause c;
  if (e != cudaSuccess) {
    c.error_name = cudaGetErrorName(e);
    c.error_text = cudaGetErrorString(e);
  }
  c.device_count = device_count;
  c.device = device;
  c.driver_loaded = nvidia_driver_loaded();
  return no_gpu_message(c);
}

}  // namespace

gpu_info probe_gpu(int device) {
  gpu_info g;
  g.device = device;
  cudaRuntimeGetVersion(&g.runtime_version);
  cudaDriverGetVersion(&g.driver_version);  // 0 when no driver is installed
  cudaError_t e = cudaGetDeviceCount(&g.device_count);
  if (e != cudaSuccess || g.device_count <= device || device < 0) {
    if (e != cudaSuccess) g.device_count = 0;
    g.error = no_device_message(e, g.device_count, device);
    cudaGetLastError();  // clear the sticky-free error so later calls report their own
    return g;
  }
  cudaDeviceProp p{};
  e = cudaGetDeviceProperties(&p, device);
  if (e != cudaSuccess) {
    g.error = no_device_message(e, g.device_count, device);
    return g;
  }
  g.usable = true;
  g.name = p.name;
  g.uuid = format_uuid(p.uuid);
  char bus[32] = {0};
  if (cudaDeviceGetPCIBusId(bus, sizeof bus, device) == cudaSuccess) g.pci_bus_id = bus;
  g.sm_count = p.multiProcessorCount;
  g.cc_major = p.major;
  g.cc_minor = p.minor;
  g.memory_bytes = p.totalGlobalMem;
  g.l2_bytes = static_cast<std::size_t>(p.l2CacheSize);
  g.memory_bus_bits = p.memoryBusWidth;
  g.ecc = p.ECCEnabled != 0;
  cudaDeviceGetAttribute(&g.sm_clock_khz, cudaDevAttrClockRate, device);
  cudaDeviceGetAttribute(&g.memory_clock_khz, cudaDevAttrMemoryClockRate, device);
  for (int d = 0; d < g.device_count; ++d) {
    cudaDeviceProp other{};
    const bool known = d == device || cudaGetDeviceProperties(&other, d) == cudaSuccess;
    g.all_uuids += (d ? "," : "") + (d == device ? g.uuid
                                     : known     ? format_uuid(other.uuid)
                                                 : std::string("?"));
  }
  return g;
}

std::vector<std::pair<std::string, std::string>> gpu_info::context() const {
  std::vector<std::pair<std::string, std::string>> c = {
      {"gpuparity_version", version},
      {"gpuparity_git_revision", git_revision},
      {"cuda_runtime_version", cuda_version_string(runtime_version)},
      {"cuda_driver_version", driver_version ? cuda_version_string(driver_version) : "none"},
      {"gpu_device_count", std::to_string(device_count)},
  };
  if (!usable) {
    c.emplace_back("gpuparity_error", error);
    return c;
  }
  c.insert(c.end(), {
                        {"gpu_index", std::to_string(device)},
                        {"gpu_name", name},
                        {"gpu_uuid", uuid},
                        {"gpu_uuids", all_uuids},
                        {"gpu_pci_bus_id", pci_bus_id},
                        {"gpu_compute_capability",
                         std::to_string(cc_major) + "." + std::to_string(cc_minor)},
                        {"gpu_sm_count", std::to_string(sm_count)},
                        {"gpu_sm_clock_max_hz", std::to_string(sm_clock_khz * 1000LL)},
                        {"gpu_memory_clock_max_hz", std::to_string(memory_clock_khz * 1000LL)},
                        {"gpu_memory_bus_bits", std::to_string(memory_bus_bits)},
                        {"gpu_memory_bytes", std::to_string(memory_bytes)},
                        {"gpu_l2_bytes", std::to_string(l2_bytes)},
                        {"gpu_ecc_enabled", ecc ? "true" : "false"},
                    });
  return c;
}

}  // namespace gpuparity
