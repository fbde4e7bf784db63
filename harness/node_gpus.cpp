#include "node_gpus.hpp"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "process.hpp"
#include "text.hpp"

namespace gpuparity::harness {
namespace {

std::string trimmed(const std::string& s) {
  const auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

bool all_digits(const std::string& s) {
  return !s.empty() && s.size() <= 4 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string listed_text(const std::vector<node_gpu>& gpus) {
  std::string s;
  for (const auto& g : gpus) s += (s.empty() ? "" : ", ") + std::to_string(g.index) + " " + g.uuid;
  return s.empty() ? "none" : s;
}

}  // namespace

std::vector<std::string> nvidia_smi_query_args() {
  return {"--query-gpu=index,uuid,pci.bus_id,name", "--format=csv,noheader"};
}

std::vector<node_gpu> parse_nvidia_smi_gpus(const std::string& csv) {
  std::vector<node_gpu> gpus;
  std::set<int> indices;
  std::set<std::string> uuids;
  std::stringstream lines(csv);
  for (std::string line; std::getline(lines, line);) {
    if (trimmed(line).empty()) continue;
    std::vector<std::string> f;
    std::stringstream fields(line);
    // The name is last and may itself hold commas: the first three split, the rest is it.
    for (std::string x; f.size() < 3 && std::getline(fields, x, ',');) f.push_back(trimmed(x));
    std::string rest;
    std::getline(fields, rest);
    f.push_back(trimmed(rest));
    if (f.size() != 4 || f[3].empty())
      throw std::invalid_argument("nvidia-smi printed \"" + line +
                                  "\": expected index, uuid, pci.bus_id, name");
    if (!all_digits(f[0]))
      throw std::invalid_argument("nvidia-smi printed \"" + line + "\": index " + f[0] +
                                  " is not a number");
    if (f[1].rfind("GPU-", 0) != 0)
      throw std::invalid_argument("nvidia-smi printed \"" + line + "\": " + f[1] +
                                  " is not a GPU UUID (GPU-...)");
    node_gpu g{std::stoi(f[0]), "GPU-" + ascii_lower(f[1].substr(4)), f[2], f[3]};
    if (!indices.insert(g.index).second || !uuids.insert(g.uuid).second)
      throw std::invalid_argument("nvidia-smi listed GPU " + f[0] + " (" + g.uuid + ") twice");
    gpus.push_back(g);
  }
  return gpus;
}

gpu_listing list_node_gpus(const std::string& nvidia_smi, double timeout_s) {
  gpu_listing l;
  std::vector<std::string> argv = {nvidia_smi};
  for (const auto& a : nvidia_smi_query_args()) argv.push_back(a);
  l.command = display_command(argv);
  if (nvidia_smi.find('/') == std::string::npos && find_on_path(nvidia_smi).empty()) {
    l.error = nvidia_smi +
              " was not found on PATH: gpuparity node lists the node's GPUs with it; install "
              "the NVIDIA driver's utilities, or pass --nvidia-smi PATH";
    return l;
  }
  const auto r = run_process(argv, timeout_s);
  const std::string words = trimmed(r.err.empty() ? r.out : r.err).substr(0, 400);
  if (r.not_found)
    l.error = "cannot run " + nvidia_smi + ": " + r.exec_error;
  else if (r.interrupted)
    l.error = "interrupted while listing the GPUs";
  else if (r.timed_out)
    l.error = l.command + " did not finish within " + std::to_string(static_cast<int>(timeout_s)) +
              " s (a hung driver?)";
  else if (r.exit_code != 0)
    l.error = l.command + " failed (exit code " + std::to_string(r.exit_code) +
              (r.signal ? ", signal " + std::to_string(r.signal) : std::string()) + ")" +
              (words.empty() ? "" : ": " + words);
  if (!l.error.empty()) return l;
  try {
    l.gpus = parse_nvidia_smi_gpus(r.out);
  } catch (const std::invalid_argument& e) {
    l.error = e.what();
  }
  if (l.error.empty() && l.gpus.empty()) l.error = l.command + " listed no GPU";
  return l;
}

std::vector<node_gpu> select_node_gpus(const std::vector<node_gpu>& listed,
                                       const std::string& selection) {
  if (selection == "all") return listed;
  std::set<std::string> picked;
  // Every field, empty ones too ("0," names an empty entry).
  std::vector<std::string> items;
  for (std::size_t start = 0;;) {
    const auto comma = selection.find(',', start);
    items.push_back(trimmed(selection.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  for (const auto& item : items) {
    const auto hit = std::find_if(listed.begin(), listed.end(), [&](const node_gpu& g) {
      return all_digits(item)
                 ? g.index == std::stoi(item)
                 : item.rfind("GPU-", 0) == 0 &&
                       g.uuid == "GPU-" + ascii_lower(item.substr(4));
    });
    if (hit == listed.end())
      throw std::invalid_argument("--gpus " + selection + ": " +
                                  (item.empty() ? std::string("an empty entry") : item) +
                                  " is not a GPU nvidia-smi lists (" + listed_text(listed) + ")");
    if (!picked.insert(hit->uuid).second)
      throw std::invalid_argument("--gpus " + selection + ": GPU " + std::to_string(hit->index) +
                                  " (" + hit->uuid + ") is named twice");
  }
  std::vector<node_gpu> out;
  for (const auto& g : listed)
    if (picked.count(g.uuid)) out.push_back(g);
  return out;
}

}  // namespace gpuparity::harness
