#include "affinity.hpp"

#include <sched.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace gpuparity {
namespace {

int parse_cpu(const std::string& s, const std::string& whole) {
  if (s.empty() ||
      !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }))
    throw std::invalid_argument("malformed CPU list '" + whole + "'");
  const long v = std::stol(s);
  if (v >= CPU_SETSIZE) throw std::invalid_argument("CPU " + s + " is beyond CPU_SETSIZE");
  return static_cast<int>(v);
}

}  // namespace

std::vector<int> parse_cpu_list(const std::string& text) {
  std::string t;
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) t += c;
  std::vector<int> cpus;
  if (t.empty()) return cpus;
  std::istringstream s(t);
  for (std::string part; std::getline(s, part, ',');) {
    const auto dash = part.find('-');
    const int lo = parse_cpu(part.substr(0, dash), text);
    const int hi = dash == std::string::npos ? lo : parse_cpu(part.substr(dash + 1), text);
    if (hi < lo) throw std::invalid_argument("malformed CPU list '" + text + "'");
    for (int c = lo; c <= hi; ++c) cpus.push_back(c);
  }
  std::sort(cpus.begin(), cpus.end());
  cpus.erase(std::unique(cpus.begin(), cpus.end()), cpus.end());
  return cpus;
}

std::string format_cpu_list(const std::vector<int>& cpus) {
  std::string out;
  for (std::size_t i = 0; i < cpus.size();) {
    std::size_t j = i;
    while (j + 1 < cpus.size() && cpus[j + 1] == cpus[j] + 1) ++j;
    if (!out.empty()) out += ',';
    out += std::to_string(cpus[i]);
    if (j > i) out += '-' + std::to_string(cpus[j]);
    i = j + 1;
  }
  return out;
}

std::string pci_sysfs_path(const std::string& bus_id) {
  std::string id;
  for (char c : bus_id) id += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  // Domain: CUDA writes 4 hex digits, NVML 8; sysfs uses 4.
  const auto colon = id.find(':');
  if (colon != std::string::npos && colon > 4) id = id.substr(colon - 4);
  return id;
}

std::string set_cpu_affinity(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int c : cpus) {
    if (c < 0 || c >= CPU_SETSIZE) return "CPU " + std::to_string(c) + " is beyond CPU_SETSIZE";
    CPU_SET(c, &set);
  }
  return sched_setaffinity(0, sizeof set, &set) == 0 ? "" : std::strerror(errno);
}

affinity_result bind_to_gpu_local_cpus(const std::string& bus_id, const std::string& sysfs_root) {
  if (bus_id.empty()) return {false, "not bound: the GPU's PCI bus id is unknown"};
  const std::string file = sysfs_root + "/" + pci_sysfs_path(bus_id) + "/local_cpulist";
  std::ifstream f(file);
  std::string line;
  if (!f || !std::getline(f, line)) return {false, "not bound: " + file + " is not readable"};
  std::vector<int> local;
  try {
    local = parse_cpu_list(line);
  } catch (const std::invalid_argument& e) {
    return {false, std::string("not bound: ") + e.what() + " in " + file};
  }
  cpu_set_t allowed;
  CPU_ZERO(&allowed);
  if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
    return {false, std::string("not bound: sched_getaffinity: ") + std::strerror(errno)};
  std::vector<int> use;
  for (int c : local)
    if (CPU_ISSET(c, &allowed)) use.push_back(c);
  if (use.empty())
    return {false, "not bound: none of the GPU's local CPUs (" + format_cpu_list(local) +
                       ") is in this process's cpuset"};
  if (static_cast<int>(use.size()) == CPU_COUNT(&allowed))
    return {true, "gpu-local " + format_cpu_list(use) + " (already all allowed CPUs)"};
  const std::string err = set_cpu_affinity(use);
  if (!err.empty()) return {false, "not bound: sched_setaffinity: " + err};
  return {true, "gpu-local " + format_cpu_list(use)};
}

}  // namespace gpuparity
