#include "peer_link.hpp"

#include <dlfcn.h>

namespace gpuparity {

const char* link_type_name(link_type t) {
  switch (t) {
    case link_type::host:
      return "host";
    case link_type::pcie_p2p:
      return "pcie_p2p";
    case link_type::nvlink:
      return "nvlink";
    case link_type::p2p:
      return "p2p";
  }
  return "unknown";
}

link_type classify_link(bool peer_access, int nvlink_p2p) {
  if (!peer_access) return link_type::host;
  if (nvlink_p2p > 0) return link_type::nvlink;
  if (nvlink_p2p == 0) return link_type::pcie_p2p;
  return link_type::p2p;
}

int nvml_nvlink_p2p(const std::string& bus_id_a, const std::string& bus_id_b) {
  // From nvml.h (not part of every toolkit install, so declared here): nvmlReturn_t and the
  // enums are ints, nvmlDevice_t a pointer; NVML_P2P_CAPS_INDEX_NVLINK = 2, NVML_P2P_STATUS_OK = 0.
  using device_t = void*;
  using init_fn = int (*)();
  using by_bus_fn = int (*)(const char*, device_t*);
  using p2p_fn = int (*)(device_t, device_t, int, int*);
  constexpr int nvlink_index = 2, status_ok = 0;
  void* h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return -1;
  auto init = reinterpret_cast<init_fn>(dlsym(h, "nvmlInit_v2"));
  auto shutdown = reinterpret_cast<init_fn>(dlsym(h, "nvmlShutdown"));
  auto by_bus = reinterpret_cast<by_bus_fn>(dlsym(h, "nvmlDeviceGetHandleByPciBusId_v2"));
  auto p2p = reinterpret_cast<p2p_fn>(dlsym(h, "nvmlDeviceGetP2PStatus"));
  int answer = -1;
  if (init && shutdown && by_bus && p2p && init() == 0) {
    device_t a = nullptr, b = nullptr;
    int status = -1;
    if (by_bus(bus_id_a.c_str(), &a) == 0 && by_bus(bus_id_b.c_str(), &b) == 0 &&
        p2p(a, b, nvlink_index, &status) == 0)
      answer = status == status_ok ? 1 : 0;
    shutdown();
  }
  dlclose(h);
  return answer;
}

}  // namespace gpuparity
