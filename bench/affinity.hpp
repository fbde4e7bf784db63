#pragma once
// Keeps a workload's host thread on the CPUs next to its GPU. Host-side copies and
// launches are measured from a CPU thread: a process that the scheduler happens to place
// on the far NUMA node stages pageable copies through remote memory and launches over a
// longer path, which made pageable-copy bandwidth vary 10-15 GB/s between processes on
// the H100 machine. Binding every process the same way, natively and in a container,
// takes that placement out of the comparison.
#include <string>
#include <vector>

namespace gpuparity {

// "0-3,8,10-11" -> {0,1,2,3,8,10,11}; throws std::invalid_argument on malformed text.
std::vector<int> parse_cpu_list(const std::string& text);
// {0,1,2,3,8} -> "0-3,8".
std::string format_cpu_list(const std::vector<int>& cpus);

// The sysfs folder name of a PCI device (under /sys/bus/pci/devices), from CUDA's
// "0000:18:00.0" or NVML's "00000000:18:00.0" spelling: "0000:18:00.0", lower case.
std::string pci_sysfs_path(const std::string& bus_id);

// Restricts this process to `cpus`; returns "" or the reason it could not (strerror).
std::string set_cpu_affinity(const std::vector<int>& cpus);

struct affinity_result {
  bool applied = false;
  std::string description;  // for the report context: what was done, or why not
};

// Restricts this process to the CPUs local to the GPU at `bus_id` that it may use.
// Leaves the affinity alone, and says why, when sysfs does not name them or none of
// them is in this process's cpuset.
affinity_result bind_to_gpu_local_cpus(const std::string& bus_id,
                                       const std::string& sysfs_root = "/sys/bus/pci/devices");

}  // namespace gpuparity
