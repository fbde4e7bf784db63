#pragma once
// What a workload process sees of its surroundings, for the harness's audit: the same
// program reports these natively and inside a container, and the harness compares.
#include <string>
#include <utility>
#include <vector>

namespace gpuparity {

// (key, value) pairs, keys prefixed "env_". Read after the CUDA driver is loaded, so
// that env_libcuda_path names the libcuda this process really uses.
std::vector<std::pair<std::string, std::string>> environment_facts();

// cgroup v2 "max 100000" / "5000 100000" or v1 quota and period as CPUs ("unlimited"
// when there is no quota); exposed for tests.
std::string cpu_quota_cpus(const std::string& cpu_max_line);

}  // namespace gpuparity
