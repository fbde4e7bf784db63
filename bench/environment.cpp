#include "environment.hpp"

#include "stack_facts.hpp"

#include <dlfcn.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

extern char** environ;

namespace gpuparity {
namespace {

std::string read_first_line(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  if (!f || !std::getline(f, line)) return "";
  return line;
}

std::string limit_text(int resource) {
  rlimit r{};
  if (getrlimit(resource, &r) != 0) return "unknown";
  auto one = [](rlim_t v) {
    return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v);
  };
  return one(r.rlim_cur) + "/" + one(r.rlim_max);
}

// The libcuda this process mapped, and the version in its file name (libcuda.so.580.95.05).
std::pair<std::string, std::string> loaded_libcuda() {
  std::ifstream maps("/proc/self/maps");
  for (std::string line; std::getline(maps, line);) {
    const auto pos = line.find('/');
    if (pos == std::string::npos) continue;
    const std::string path = line.substr(pos);
    if (path.find("/libcuda.so") == std::string::npos) continue;
    char real[4096];
    std::string resolved = realpath(path.c_str(), real) ? real : path;
    // The file name carries the driver version (libcuda.so.580.159.04) unless the file
    // was bind-mounted under another name (CDI mounts it as libcuda.so.1).
    const auto v = resolved.rfind("libcuda.so.");
    std::string version = v == std::string::npos ? "" : resolved.substr(v + 11);
    if (version.find('.') == std::string::npos) version.clear();
    return {path, version};
  }
  return {"", ""};
}

// Why CUDA found no driver library: the loader's own words for libcuda.so.1 ("loads" when
// it does, so the failure was elsewhere). Only asked when libcuda is not mapped.
std::string libcuda_dlopen_result() {
  void* h = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    const char* e = dlerror();
    return e ? e : "dlopen failed";
  }
  dlclose(h);
  return "loads";
}

// Driver version through NVML, loaded at run time: containers may lack it.
std::string nvml_driver_version() {
  void* h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!h) return "unavailable";
  using init_fn = int (*)();
  using version_fn = int (*)(char*, unsigned);
  auto init = reinterpret_cast<init_fn>(dlsym(h, "nvmlInit_v2"));
  auto version = reinterpret_cast<version_fn>(dlsym(h, "nvmlSystemGetDriverVersion"));
  auto shutdown = reinterpret_cast<init_fn>(dlsym(h, "nvmlShutdown"));
  std::string out = "unavailable";
  if (init && version && init() == 0) {
    char buf[96] = {0};
    if (version(buf, sizeof buf) == 0) out = buf;
    if (shutdown) shutdown();
  }
  dlclose(h);
  return out;
}

std::string cpu_affinity() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return "unknown";
  return std::to_string(CPU_COUNT(&set));
}

std::string status_field(const std::string& field) {
  std::ifstream f("/proc/self/status");
  for (std::string line; std::getline(f, line);)
    if (line.rfind(field + ":", 0) == 0) {
      auto v = line.substr(field.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "unknown";
}

}  // namespace

std::string cpu_quota_cpus(const std::string& cpu_max_line) {
  std::istringstream s(cpu_max_line);
  std::string quota, period;
  s >> quota >> period;
  if (quota.empty() || quota == "max" || quota == "-1") return "unlimited";
  try {
    const double q = std::stod(quota), p = period.empty() ? 100000.0 : std::stod(period);
    if (q <= 0 || p <= 0) return "unlimited";
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3g", q / p);
    return buf;
  } catch (...) {
    return "unknown";
  }
}

std::vector<std::pair<std::string, std::string>> environment_facts() {
  std::vector<std::pair<std::string, std::string>> f;
  const auto [libcuda, libcuda_version] = loaded_libcuda();
  f.emplace_back("env_libcuda_path", libcuda.empty() ? "not loaded" : libcuda);
  f.emplace_back("env_libcuda_version", libcuda_version.empty() ? "unknown" : libcuda_version);
  if (libcuda.empty()) f.emplace_back("env_libcuda_dlopen", libcuda_dlopen_result());
  f.emplace_back("env_nvml_driver_version", nvml_driver_version());
  f.emplace_back("env_rlimit_memlock", limit_text(RLIMIT_MEMLOCK));
  f.emplace_back("env_rlimit_nofile", limit_text(RLIMIT_NOFILE));
  struct statvfs shm {};
  f.emplace_back("env_dev_shm_bytes",
                 statvfs("/dev/shm", &shm) == 0
                     ? std::to_string(static_cast<unsigned long long>(shm.f_blocks) * shm.f_frsize)
                     : "missing");
  std::string cpu_max = read_first_line("/sys/fs/cgroup/cpu.max");
  if (cpu_max.empty()) {  // cgroup v1
    const std::string q = read_first_line("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
    const std::string p = read_first_line("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
    if (!q.empty()) cpu_max = q + " " + p;
  }
  f.emplace_back("env_cgroup_cpu_max", cpu_max.empty() ? "unknown" : cpu_max);
  f.emplace_back("env_cpu_quota_cpus", cpu_max.empty() ? "unknown" : cpu_quota_cpus(cpu_max));
  std::string cpuset = read_first_line("/sys/fs/cgroup/cpuset.cpus.effective");
  if (cpuset.empty()) cpuset = read_first_line("/sys/fs/cgroup/cpuset/cpuset.effective_cpus");
  f.emplace_back("env_cgroup_cpuset", cpuset.empty() ? "unknown" : cpuset);
  f.emplace_back("env_cpus_allowed", cpu_affinity());
  f.emplace_back("env_cpus_online", std::to_string(sysconf(_SC_NPROCESSORS_ONLN)));
  f.emplace_back("env_seccomp", status_field("Seccomp"));
  // Namespaces ("mnt:[4026531840]"): a container has mount and PID namespaces of its own,
  // so the audit can tell a "container" side that ran on the host.
  for (const char* ns_name : {"ipc", "mnt", "pid"}) {
    char ns[256] = {0};
    const ssize_t n = readlink((std::string("/proc/self/ns/") + ns_name).c_str(), ns, sizeof ns - 1);
    f.emplace_back(std::string("env_") + ns_name + "_namespace",
                   n > 0 ? std::string(ns, static_cast<std::size_t>(n)) : "unknown");
  }
  f.emplace_back("env_in_container",
                 (access("/.dockerenv", F_OK) == 0 || access("/run/.containerenv", F_OK) == 0)
                     ? "true"
                     : "false");
  utsname u{};
  if (uname(&u) == 0) f.emplace_back("env_kernel", std::string(u.release));
  std::string nvidia;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("NVIDIA_", 0) == 0 ||
        std::string(*e).rfind("CUDA_VISIBLE_DEVICES=", 0) == 0)
      nvidia += (nvidia.empty() ? "" : " ") + std::string(*e);
  f.emplace_back("env_nvidia_variables", nvidia.empty() ? "none" : nvidia);
  const fact_list stack = stack_facts();
  f.insert(f.end(), stack.begin(), stack.end());
  return f;
}

}  // namespace gpuparity
