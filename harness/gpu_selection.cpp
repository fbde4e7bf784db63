#include "gpu_selection.hpp"

#include <cctype>
#include <sstream>
#include <stdexcept>

#include "process.hpp"
#include "text.hpp"
#include "run.hpp"
#include "trial.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

const char* gpu_selection_kind_name(gpu_selection_kind k) {
  switch (k) {
    case gpu_selection_kind::all:
      return "all";
    case gpu_selection_kind::index:
      return "index";
    case gpu_selection_kind::uuid:
      return "uuid";
  }
  return "unknown";
}

namespace {

bool all_of_class(const std::string& s, int (*is)(int)) {
  for (unsigned char ch : s)
    if (!is(ch)) return false;
  return !s.empty();
}

// "GPU-" and 8-4-4-4-12 hex digits, the form of nvidia-smi -L and of the workloads' gpu_uuid.
bool is_gpu_uuid(const std::string& s) {
  static constexpr std::size_t groups[] = {8, 4, 4, 4, 12};
  if (s.rfind("GPU-", 0) != 0) return false;
  std::size_t pos = 4;
  for (std::size_t g = 0; g < 5; ++g) {
    if (g > 0 && (pos >= s.size() || s[pos++] != '-')) return false;
    if (pos + groups[g] > s.size() || !all_of_class(s.substr(pos, groups[g]), isxdigit))
      return false;
    pos += groups[g];
  }
  return pos == s.size();
}

}  // namespace

gpu_selection parse_gpu_selection(const std::string& text) {
  const std::string usage =
      "--gpus " + text +
      ": expected all, one device index (0, 1, ... as nvidia-smi numbers them) "
      "or one GPU UUID (GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx, from nvidia-smi -L)";
  if (text == "all") return {};
  if (text.find(',') != std::string::npos)
    throw std::invalid_argument(
        "--gpus " + text +
        ": one GPU per run: gpuparity judges one GPU on both sides, so run it once per GPU "
        "(--gpus 0, then --gpus 1, ...), each with its own --output, or let gpuparity node "
        "do that: gpuparity node --gpus " + text);
  if (all_of_class(text, isdigit)) {
    if (text.size() > 4) throw std::invalid_argument(usage);
    return {gpu_selection_kind::index, std::to_string(std::stoi(text))};  // "01" is 1
  }
  if (text.rfind("MIG-", 0) == 0)
    throw std::invalid_argument("--gpus " + text +
                                ": MIG devices are not supported yet: pass the GPU's own UUID "
                                "or index");
  // "GPU-" kept as written; the hex digits after it lowercased.
  const std::string lower =
      text.size() <= 4 ? text : text.substr(0, 4) + ascii_lower(text.substr(4));
  if (!is_gpu_uuid(lower)) throw std::invalid_argument(usage);
  return {gpu_selection_kind::uuid, lower};
}

environment_list native_gpu_environment(const gpu_selection& s) {
  switch (s.kind) {
    case gpu_selection_kind::all:
      return {};
    case gpu_selection_kind::index:
      return {{"CUDA_DEVICE_ORDER", "PCI_BUS_ID"}, {"CUDA_VISIBLE_DEVICES", s.value}};
    case gpu_selection_kind::uuid:
      return {{"CUDA_VISIBLE_DEVICES", s.value}};
  }
  return {};
}

namespace {

std::string listed(const std::set<std::string>& v) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : " and ") + x;
  return s.empty() ? std::string("none named") : s;
}

}  // namespace

gpu_identity identify_gpus(const std::vector<trial>& trials, const gpu_selection& selected) {
  gpu_identity g;
  for (const auto& t : trials)
    for (const auto& r : t.runs) {
      const auto& c = r.out.context;
      const auto name = c.find("gpu_name"), uuid = c.find("gpu_uuid");
      if (name != c.end() && !name->second.empty()) g.names[t.container].insert(name->second);
      if (uuid != c.end() && !uuid->second.empty()) g.uuids[t.container].insert(uuid->second);
    }
  // One side naming no GPU while the other does is no proof of the same GPU either.
  const auto differ = [](const std::set<std::string>& n, const std::set<std::string>& c) {
    return n.size() > 1 || c.size() > 1 || n.empty() != c.empty() || n != c;
  };
  if (differ(g.names[0], g.names[1]))
    g.mismatched.push_back("GPU model: native " + listed(g.names[0]) + ", other side " +
                           listed(g.names[1]));
  const std::set<std::string> only_selected = {selected.value};
  if (selected.kind == gpu_selection_kind::uuid &&
      (g.uuids[0] != only_selected || g.uuids[1] != only_selected))
    g.mismatched.push_back("GPU UUID: --gpus selected " + selected.value + ", native ran on " +
                           listed(g.uuids[0]) + ", other side on " + listed(g.uuids[1]));
  else if (differ(g.uuids[0], g.uuids[1]))
    g.mismatched.push_back("GPU UUID: native " + listed(g.uuids[0]) + ", other side " +
                           listed(g.uuids[1]));
  return g;
}

json gpu_identity_json(const gpu_identity& g, const gpu_selection& selected) {
  const auto one = [](const std::set<std::string>& v) {
    return v.size() == 1 ? json(*v.begin()) : json(nullptr);
  };
  const bool proven = g.mismatched.empty() && g.uuids[0].size() == 1;
  json j;
  j["selection"] = selected.value;
  j["selected_by"] = gpu_selection_kind_name(selected.kind);
  j["index"] =
      selected.kind == gpu_selection_kind::index ? json(std::stoi(selected.value)) : json(nullptr);
  // The UUID an index named on the native side (the container must report the same).
  if (selected.kind == gpu_selection_kind::index) j["index_resolved_to"] = one(g.uuids[0]);
  j["native_uuids"] = g.uuids[0];
  j["container_uuids"] = g.uuids[1];
  j["same_gpu"] = proven;
  j["uuid"] = proven ? one(g.uuids[0]) : json(nullptr);
  j["name"] = proven ? one(g.names[0]) : json(nullptr);
  return j;
}

namespace {

std::string environment_text(const environment_list& env) {
  std::string s;
  for (const auto& [name, value] : env) s += (s.empty() ? "" : " ") + name + "=" + value;
  return s.empty() ? "nothing added" : s;
}

}  // namespace

std::string gpu_selection_text(const run_options& o) {
  const auto& sel = o.container.gpus;
  std::ostringstream out;
  out << "the GPU: --gpus " << sel.value << " ("
      << (sel.kind == gpu_selection_kind::all ? "every GPU is visible; the workloads use "
                                                "device 0 on each side, and their UUIDs "
                                                "show whether it was one GPU"
          : sel.kind == gpu_selection_kind::index
              ? "device index, numbered by PCI bus as nvidia-smi does"
              : "GPU UUID; both sides must report it")
      << ")\n";
  out << "  native environment:    " << environment_text(native_gpu_environment(sel)) << "\n";
  if (o.native_vs_native) {
    out << "  native-b environment:  " << environment_text(native_gpu_environment(sel)) << "\n";
  } else if (o.container.kind == runtime_kind::custom) {
    out << "  container: the template's {gpus} is " << sel.value << "\n";
  } else {
    const auto flags = gpu_flags(o.container);
    out << "  container flags:       "
        << (flags.empty() ? std::string("none (--no-gpu-flags)") : display_command(flags)) << "\n";
  }
  if (sel.kind != gpu_selection_kind::all)
    out << "  on both sides the selected GPU is the workloads' device 0\n";
  return out.str();
}

}  // namespace gpuparity::harness
