#pragma once
// The GPUs of a node as nvidia-smi lists them (`gpuparity node`): the harness never links
// CUDA or NVML for this, it runs `nvidia-smi --query-gpu=index,uuid,pci.bus_id,name
// --format=csv,noheader` with a deadline and reads its CSV. Then `--gpus`: all, or a list of
// indices and UUIDs naming listed GPUs.
#include <stdexcept>
#include <string>
#include <vector>

namespace gpuparity::harness {

struct node_gpu {
  int index = 0;           // nvidia-smi's (PCI bus order)
  std::string uuid;        // GPU-...
  std::string pci_bus_id;  // 00000000:18:00.0
  std::string name;        // NVIDIA H100 80GB HBM3
};

// The arguments after the program: index,uuid,pci.bus_id,name as CSV without a header.
std::vector<std::string> nvidia_smi_query_args();

// Its output, one GPU per line ("0, GPU-..., 00000000:18:00.0, NVIDIA H100 80GB HBM3").
// A line that is not four fields, an index that is not a number, a UUID not "GPU-...", or an
// index or UUID listed twice: std::invalid_argument naming the line.
std::vector<node_gpu> parse_nvidia_smi_gpus(const std::string& csv);

struct gpu_listing {
  std::vector<node_gpu> gpus;
  std::string command;  // as run, for the report
  std::string error;    // "" when listed; else why (not found, its exit code and words, ...)
};

// Runs nvidia_smi (a path, or a name looked up on PATH) with a deadline of timeout_s.
gpu_listing list_node_gpus(const std::string& nvidia_smi, double timeout_s);

// --gpus of `node`: "all", or a comma-separated list of indices and UUIDs (case-insensitive
// hex) of listed GPUs, each once; the GPUs in nvidia-smi's order. An unknown or repeated
// entry: std::invalid_argument naming it and what nvidia-smi listed.
std::vector<node_gpu> select_node_gpus(const std::vector<node_gpu>& listed,
                                       const std::string& selection);

}  // namespace gpuparity::harness
