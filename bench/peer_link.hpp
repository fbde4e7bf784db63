#pragma once
// What connects two GPUs, for the peer/ cases' `link=` label.
#include <string>

namespace gpuparity {

enum class link_type {
  host,  // no peer access (cudaDeviceCanAccessPeer false): copies are staged through host memory
  pcie_p2p,  // peer access, and NVML says the pair has no NVLink P2P path: PCIe
  nvlink,    // peer access over NVLink (NVML's P2P status for the NVLink capability is OK)
  p2p,       // peer access, but NVML (libnvidia-ml.so.1) could not say over what
};

const char* link_type_name(link_type t);

// The link type from its two facts: peer access, and NVML's NVLink P2P answer (1 yes, 0 no,
// -1 unknown).
link_type classify_link(bool peer_access, int nvlink_p2p);

// NVML's answer for the pair of PCI bus ids (cudaDeviceGetPCIBusId): 1 when its P2P status for
// NVML_P2P_CAPS_INDEX_NVLINK is OK, 0 when it is another status, -1 when NVML cannot be loaded
// or fails. NVML is loaded with dlopen: nothing is linked, and a container without
// libnvidia-ml.so.1 gets -1.
int nvml_nvlink_p2p(const std::string& bus_id_a, const std::string& bus_id_b);

}  // namespace gpuparity
