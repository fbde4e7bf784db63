#pragma once
// The audit's rules on the workloads' environment evidence (the env_* context keys the
// bench records): each connects a difference between the sides to the metrics it can
// change. Internal to the audit; audit.cpp orders and collapses what they find.
#include <map>
#include <string>
#include <vector>

#include "audit.hpp"

namespace gpuparity::harness::audit_rules {

using context = std::map<std::string, std::string>;
using degraded_metrics = std::map<std::string, std::string>;  // name -> class

// A difference that explains nothing measured: it goes into the one info finding.
struct difference {
  std::string what;
  std::string native;
  std::string container;
  bool variable = false;  // an environment variable (the title counts those apart)
};

struct findings {
  std::vector<finding> found;
  std::vector<difference> other;
};

std::string get(const context& m, const std::string& k);
bool has_gpu(const side_view& s);
bool contains(const std::string& s, const std::string& part);

// Variables the CUDA stack, cuBLAS/cuBLASLt, NCCL, PyTorch and the loader read.
void variable_rules(const context& n, const context& c, const degraded_metrics& d, findings& out);
// libcublas, libcublasLt, libnccl, libtorch, ... by real path and version; the CUDA runtime.
void library_rules(const context& n, const context& c, const degraded_metrics& d, findings& out);
// CPU quota and cpuset, /dev/shm, rlimits, seccomp.
void resource_rules(const context& n, const context& c, const degraded_metrics& d, findings& out);
// Work across GPUs (peer/ and nccl/ cases): the GPU set each side saw (an error when they
// differ and such cases ran), a peer link that fell back from NVLink/PCIe P2P, the IPC
// namespace (audit_multi_gpu_rules.cpp).
void multi_gpu_rules(const side_view& n, const side_view& c, const degraded_metrics& d,
                     findings& out);
// The GPU's own state, shared by both sides: other processes on it, a compute mode that
// forbids or serialises its use, MIG (audit_gpu_state.cpp).
void gpu_state_rules(const gpu_state& s, const degraded_metrics& d, findings& out);
// NVIDIA device nodes that differ but did not stop the GPU.
void device_node_rules(const context& n, const context& c, findings& out);

// For a container without a GPU: the required device node (nvidiactl, nvidia-uvm,
// nvidiaN) it lacks or cannot open, as evidence and fix; both empty when all are there,
// when the container has no NVIDIA node at all, or when the side did not record nodes.
struct cause {
  std::string evidence;
  std::string fix;
};
cause missing_device_node(const context& n, const context& c);

// The libcuda the container uses against the kernel module's version; empty when they
// agree or either is unknown.
cause libcuda_against_module(const context& n, const context& c);

// An open-file limit too low for CUDA (below 1024 and the native one), or device nodes that
// could not be opened for want of descriptors.
cause open_file_limit(const context& n, const context& c);
// CUDA_VISIBLE_DEVICES set differently in the container (an image's ENV): it can hide the GPU.
cause visible_devices_hidden(const context& n, const context& c);
// The driver's libcuda.so.1 is in the container but not on the loader's path.
cause libcuda_off_loader_path(const context& n, const context& c);

}  // namespace gpuparity::harness::audit_rules
