#pragma once
// Which GPU a run judges (`run --gpus`): every GPU as the sides find them (the workloads use
// device 0 on each side), one device index, or one GPU UUID. Each side is told the same
// selection (natively CUDA_VISIBLE_DEVICES, in the container the runtime's own flags), so
// on both the selected GPU is the workload's device 0; the UUIDs the workloads report are
// the proof that both ran on it.
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace gpuparity::harness {

struct trial;
struct run_options;

enum class gpu_selection_kind { all, index, uuid };

struct gpu_selection {
  gpu_selection() = default;
  gpu_selection(gpu_selection_kind k, std::string v) : kind(k), value(std::move(v)) {}
  gpu_selection_kind kind = gpu_selection_kind::all;
  std::string value = "all";  // "all", a device index ("1"), a UUID ("GPU-8932f937-...")
};

const char* gpu_selection_kind_name(gpu_selection_kind k);

// --gpus: "all", a device index, or a full GPU UUID as `nvidia-smi -L` prints it (hex
// digits in lower case, as the workloads report them). A list ("0,1"), a MIG device or
// anything else: std::invalid_argument whose message names the fix.
gpu_selection parse_gpu_selection(const std::string& text);

using environment_list = std::vector<std::pair<std::string, std::string>>;

// What a native workload gets on top of gpuparity's environment: nothing for `all`;
// CUDA_VISIBLE_DEVICES=<selection> otherwise, and for an index also
// CUDA_DEVICE_ORDER=PCI_BUS_ID: CUDA numbers GPUs fastest first by default, while
// nvidia-smi and the container toolkits (docker's device=N, CDI's nvidia.com/gpu=N) number
// them by PCI bus, and index N must be the same GPU on both sides.
environment_list native_gpu_environment(const gpu_selection& s);

// The GPUs the trials' workloads reported (gpu_name, gpu_uuid), per side, and what makes
// them no proof of one and the same GPU: a side that ran on two, a side that named none
// while the other did, sides that differ, and, for a UUID selection, a side that ran on
// another GPU than the one selected. Each mismatch is a line for evidence::mismatched.
struct gpu_identity {
  std::set<std::string> names[2], uuids[2];  // [0] native, [1] container
  std::vector<std::string> mismatched;
};

gpu_identity identify_gpus(const std::vector<trial>& trials, const gpu_selection& selected);

// The report's `gpu`: the selection, the UUIDs each side ran on, the one GPU both ran on
// (null when there is no such proof) and, for an index, the UUID it resolved to natively.
nlohmann::ordered_json gpu_identity_json(const gpu_identity& g, const gpu_selection& selected);

// The dry run's account of --gpus: what each side is told (the native side's environment,
// the container's flags or a template's {gpus}) and which device the workloads use.
std::string gpu_selection_text(const run_options& o);

}  // namespace gpuparity::harness
