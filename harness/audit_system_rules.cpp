// The audit's rules on the container's resources, its device nodes and its libcuda.
#include <cstdlib>
#include <sstream>

#include "audit_rules.hpp"

namespace gpuparity::harness::audit_rules {
namespace {

double number(const std::string& s, double fallback) {
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  return end && end != s.c_str() ? v : fallback;
}

// Soft limit of "soft/hard" ("unlimited" as infinity).
double soft_limit(const std::string& s) {
  const std::string soft = s.substr(0, s.find('/'));
  return soft == "unlimited" ? 1e300 : number(soft, -1.0);
}

std::vector<std::string> of(const degraded_metrics& d,
                            bool (*pick)(const std::string&, const std::string&)) {
  std::vector<std::string> out;
  for (const auto& [name, cls] : d)
    if (pick(name, cls)) out.push_back(name);
  return out;
}

bool host_bound(const std::string&, const std::string& cls) {
  return cls == "latency" || cls == "round_trip" || cls == "startup" || cls == "host";
}
bool shared_memory_user(const std::string& n, const std::string&) {
  return contains(n, "nccl") || contains(n, "all_reduce") || contains(n, "allreduce") ||
         contains(n, "dataloader");
}

// The /dev/nvidiaN nodes a side recorded (env_dev_nvidia0, ...), "missing" ones not counted.
int gpu_node_count(const context& c) {
  int nodes = 0;
  const std::string prefix = "env_dev_nvidia";
  for (const auto& [k, v] : c)
    if (k.rfind(prefix, 0) == 0 && k.size() > prefix.size() &&
        k.find_first_not_of("0123456789", prefix.size()) == std::string::npos && v != "missing")
      ++nodes;
  return nodes;
}

// NCCL (and PyTorch's DataLoader workers, which come with it in a training job) put
// their buffers in /dev/shm: a workload that loaded NCCL is one that can be hurt.
bool loaded_nccl(const context& c) { return !get(c, "env_lib_nccl_path").empty(); }

// Adds a finding when it explains something or can hurt the user's workloads anyway,
// otherwise records the difference for the info list under `listed`, which says whom it
// would hurt.
void warn_or_list(findings& out, bool warn, finding f, const std::string& listed) {
  if (warn)
    out.found.push_back(std::move(f));
  else
    out.other.push_back({listed, f.native, f.container});
}

}  // namespace

void resource_rules(const context& n, const context& c, const degraded_metrics& d, findings& out) {
  const std::string nq = get(n, "env_cpu_quota_cpus"), cq = get(c, "env_cpu_quota_cpus");
  // A quota throttles every host thread of every workload: always worth a warning.
  if (!cq.empty() && cq != "unlimited" && cq != "unknown" && cq != nq)
    out.found.push_back({"cpu_quota", "warning",
                         "the container runs under a CPU quota of " + cq + " CPUs",
                         "cgroup cpu.max " + get(n, "env_cgroup_cpu_max") + " (" + nq + ")",
                         "cgroup cpu.max " + get(c, "env_cgroup_cpu_max") + " (" + cq + " CPUs)",
                         "remove --cpus / --cpu-quota or raise the quota: every launch and copy "
                         "waits on a CPU thread, so latency and startup suffer first",
                         of(d, host_bound)});
  const double ncpu = number(get(n, "env_cpus_allowed"), 0),
               ccpu = number(get(c, "env_cpus_allowed"), 0);
  if (ncpu > 0 && ccpu > 0 && ccpu < ncpu)
    out.found.push_back(
        {"cpuset_narrowed", "warning", "the container may use fewer CPUs than the native side",
         get(n, "env_cpus_allowed") + " CPUs (cpuset " + get(n, "env_cgroup_cpuset") + ")",
         get(c, "env_cpus_allowed") + " CPUs (cpuset " + get(c, "env_cgroup_cpuset") + ")",
         "widen --cpuset-cpus, or pin both sides to the same CPUs", of(d, host_bound)});
  const double nshm = number(get(n, "env_dev_shm_bytes"), 0),
               cshm = number(get(c, "env_dev_shm_bytes"), 0);
  if (cshm > 0 && cshm < 1024.0 * 1024 * 1024 && cshm < nshm) {
    const auto explains = of(d, shared_memory_user);
    warn_or_list(out, !explains.empty() || loaded_nccl(c),
                 {"small_dev_shm", "warning", "/dev/shm in the container is small",
                  get(n, "env_dev_shm_bytes") + " bytes", get(c, "env_dev_shm_bytes") + " bytes",
                  "pass --shm-size=1g (or more; docker's default is 64 MB) or --ipc=host: "
                  "NCCL's shared-memory transport and PyTorch DataLoader workers put their "
                  "buffers in /dev/shm and fail or slow down when it fills",
                  explains},
                 "/dev/shm size (small: hurts PyTorch DataLoader workers and NCCL's "
                 "shared-memory transport, neither measured here)");
  }
  const double nml = soft_limit(get(n, "env_rlimit_memlock")),
               cml = soft_limit(get(c, "env_rlimit_memlock"));
  // cudaHostAlloc pins through the driver, not mlock: RLIMIT_MEMLOCK does not bound the
  // pinned copies. It bounds memory registered with InfiniBand verbs (NCCL's IB transport,
  // GPUDirect RDMA), so it can explain collectives only.
  if (cml >= 0 && nml > cml) {
    const auto explains = of(d, shared_memory_user);
    warn_or_list(
        out, !explains.empty() || loaded_nccl(c),
        {"memlock_limited", "warning", "the container's RLIMIT_MEMLOCK is lower than native",
         get(n, "env_rlimit_memlock"), get(c, "env_rlimit_memlock"),
         "pass --ulimit memlock=-1:-1: NCCL's InfiniBand transport and GPUDirect RDMA register "
         "(lock) their buffers and fail or fall back when the limit is low",
         explains},
        "RLIMIT_MEMLOCK (lower: limits InfiniBand/GPUDirect RDMA registrations, not measured "
        "here; CUDA's pinned host memory is not bound by it)");
  }
  for (const auto& [key, what] :
       {std::pair<const char*, const char*>{"env_cgroup_memory_max",
                                            "memory limit (cgroup memory.max; pinned and "
                                            "pageable host buffers count toward it)"},
        {"env_cgroup_pids_max", "process limit (cgroup pids.max; the startup cases and "
                                "NCCL's ranks start processes and threads)"}})
    if (number(get(c, key), -1.0) >= 0 && get(n, key) != get(c, key))  // "max": no limit
      out.other.push_back({what, get(n, key), get(c, key)});
  // Descriptors that ran out stop CUDA calls anywhere in a workload (cudaSetDevice gave
  // cudaErrorDevicesUnavailable at 16): every failed or degraded metric may be that.
  if (const cause fd = open_file_limit(n, c); !fd.fix.empty())
    out.found.push_back({"open_file_limit", "warning",
                         "the container's open-file limit is too low for CUDA",
                         "RLIMIT_NOFILE " + get(n, "env_rlimit_nofile"), fd.evidence, fd.fix,
                         of(d, [](const std::string&, const std::string&) { return true; })});
  else if (get(n, "env_rlimit_nofile") != get(c, "env_rlimit_nofile") &&
      !get(c, "env_rlimit_nofile").empty())
    out.other.push_back({"open-file limit (--ulimit nofile)", get(n, "env_rlimit_nofile"),
                         get(c, "env_rlimit_nofile")});
  if (!get(c, "env_seccomp").empty() && get(n, "env_seccomp") != get(c, "env_seccomp"))
    out.other.push_back({"seccomp mode (CUDA needs none of the blocked calls)",
                         get(n, "env_seccomp"), get(c, "env_seccomp")});
}

cause missing_device_node(const context& n, const context& c) {
  const std::string listed = get(c, "env_device_nodes");
  if (listed.empty() || listed == "none" || listed.rfind("unreadable", 0) == 0) return {};
  const bool any_gpu_node = gpu_node_count(c) > 0;
  std::string evidence, native, flags;
  std::string unopenable;
  for (const std::string node : {"nvidiactl", "nvidia-uvm"}) {
    const std::string state = get(c, "env_dev_" + node);
    // Out of file descriptors (open_file_limit names that): the node itself is fine.
    if (state.empty() || state == "ok" || contains(state, "Too many open files")) continue;
    evidence += (evidence.empty() ? "" : "; ") + ("/dev/" + node + ": " + state);
    native += (native.empty() ? "" : "; ") +
              ("/dev/" + node + ": " +
               (get(n, "env_dev_" + node).empty() ? std::string("not recorded")
                                                  : get(n, "env_dev_" + node)));
    if (state == "missing")
      flags += " --device /dev/" + node;
    else
      unopenable += (unopenable.empty() ? "/dev/" : ", /dev/") + node;
  }
  if (!any_gpu_node) {
    evidence += (evidence.empty() ? "" : "; ") + std::string("no /dev/nvidiaN node");
    flags += " --device /dev/nvidia0";
  }
  if (evidence.empty()) return {};
  std::string fix;
  if (!flags.empty())
    fix = "the container lacks the device node(s) every CUDA process opens (" + evidence +
          "): add" + flags +
          " to the run (or let the runtime add them all: docker --gpus all, "
          "podman --device nvidia.com/gpu=all)";
  if (!unopenable.empty())
    fix += std::string(fix.empty() ? "" : "; ") + unopenable +
           " exists but cannot be opened: a bind mount (-v) grants no device access, pass it "
           "with --device instead (or allow it with --device-cgroup-rule 'c 195:* rwm' / "
           "'c <uvm major>:* rwm')";
  return {evidence + (native.empty() ? "" : " (natively " + native + ")"), fix};
}

namespace {

std::string version_in(const std::string& path) {
  const std::string file = path.substr(path.rfind('/') + 1);
  const auto so = file.find(".so.");
  if (so == std::string::npos) return "";
  const std::string v = file.substr(so + 4);
  return v.find('.') == std::string::npos ? "" : v;
}

bool known(const std::string& v) {
  return !v.empty() && v != "unknown" && v != "unavailable" && v != "not loaded";
}

}  // namespace

cause libcuda_against_module(const context& n, const context& c) {
  std::string module = get(c, "env_nvidia_kernel_module");
  if (!known(module)) module = get(n, "env_nvidia_kernel_module");
  if (!known(module)) module = get(n, "env_nvml_driver_version");
  if (!known(module)) return {};
  // The libcuda the container used, else the one its LD_LIBRARY_PATH puts first (CUDA may
  // have failed and unloaded it).
  std::string path = get(c, "env_libcuda_path"), version = get(c, "env_libcuda_version");
  if (!known(version) && known(get(c, "env_lib_cuda_version"))) {
    path = get(c, "env_lib_cuda_path");
    version = get(c, "env_lib_cuda_version");
  }
  const std::string on_path = get(c, "env_libcuda_on_library_path");
  if (!known(version) && known(on_path) && on_path != "none") {
    path = on_path;
    version = version_in(on_path);
  }
  if (!known(version) || version == module) return {};
  const bool compat = contains(path, "compat");
  const std::string dir = path.substr(0, path.rfind('/'));
  std::string fix =
      compat ? "the image's cuda-compat libcuda " + version + " (" + path +
                   ") is used instead of the host driver's " + module + ": remove " + dir +
                   " from LD_LIBRARY_PATH (cuda-compat only helps when the "
                   "host driver is older than the image's CUDA, and it must never be older "
                   "than the kernel module)"
             : "libcuda " + version + " (" + path + ") does not match the kernel module " + module +
                   ": mount the host driver's libcuda (NVIDIA Container Toolkit / CDI) "
                   "instead of one baked into the image";
  return {"libcuda " + version + " at " + path + "; kernel module " + module, fix};
}

cause open_file_limit(const context& n, const context& c) {
  const double cn = soft_limit(get(c, "env_rlimit_nofile")),
               nn = soft_limit(get(n, "env_rlimit_nofile"));
  bool exhausted = false;
  for (const auto& [k, v] : c)
    if ((k.rfind("env_dev_", 0) == 0 || k == "env_device_nodes") &&
        contains(v, "Too many open files"))
      exhausted = true;
  // Only when the descriptors ran out (an EMFILE on a node) or so few are left that CUDA's
  // own need (its nodes, libraries and IPC handles: a few dozen) cannot be met.
  if (!(cn >= 0 && cn < 64 && (nn < 0 || cn < nn)) && !exhausted) return {};
  return {"RLIMIT_NOFILE " + get(c, "env_rlimit_nofile") + " (natively " +
              get(n, "env_rlimit_nofile") + ")" +
              (exhausted ? "; opening the NVIDIA device nodes failed: Too many open files" : ""),
          "the container's open-file limit (" + get(c, "env_rlimit_nofile") +
              ") leaves CUDA no file descriptors: it opens every NVIDIA device node, its "
              "libraries and its IPC handles. Raise it: --ulimit nofile=1048576:1048576 (or "
              "the native limit)"};
}

namespace {

// Whether a CUDA_VISIBLE_DEVICES value selects none of the GPUs the container has: -1 or
// another negative, empty, "none"/"NoDevFiles", every index at or past its /dev/nvidiaN
// count, or a UUID the native side does not have. A value that selects a GPU hides nothing.
bool selects_no_gpu(const std::string& value, const context& n, const context& c) {
  if (value.empty() || value == "none" || value == "NoDevFiles" || value[0] == '-') return true;
  const int nodes = gpu_node_count(c);
  const std::string first = value.substr(0, value.find(','));  // CUDA stops at the first bad one
  if (first.rfind("GPU-", 0) == 0 || first.rfind("MIG-", 0) == 0) {
    const std::string native = get(n, "gpu_uuids") + " " + get(n, "gpu_uuid");
    return !native.empty() && !contains(native, first);
  }
  const double index = number(first, -1.0);
  return index < 0 || (nodes > 0 && index >= nodes);
}

}  // namespace

cause visible_devices_hidden(const context& n, const context& c) {
  const std::string key = "env_var_CUDA_VISIBLE_DEVICES";
  const bool set_natively = n.find(key) != n.end();
  if (c.find(key) == c.end() || (set_natively && get(n, key) == get(c, key))) return {};
  if (!selects_no_gpu(get(c, key), n, c)) return {};
  const std::string nv = set_natively ? get(n, key) : "unset";
  return {"CUDA_VISIBLE_DEVICES=" + get(c, key) + " in the container (natively " + nv + ")",
          "the container sets CUDA_VISIBLE_DEVICES=" + get(c, key) +
              ", which hides the GPU from CUDA: remove it from the image's ENV or entrypoint, "
              "or override it with -e CUDA_VISIBLE_DEVICES" +
              (nv == "unset" ? "= (empty: every GPU)" : "=" + nv) +
              "; to choose a GPU use gpuparity's --gpus"};
}

cause libcuda_off_loader_path(const context& n, const context& c) {
  const std::string files = get(c, "env_libcuda_files");
  if (get(c, "env_libcuda_path") != "not loaded" || files.empty() || files == "none") return {};
  // Only "not found": a libcuda that is there but fails to load (wrong ELF class, a missing
  // dependency) is no path problem, and the default folders are always searched.
  const std::string why = get(c, "env_libcuda_dlopen");
  if (!contains(why, "cannot open shared object file")) return {};
  std::string dir;
  std::istringstream dirs(files);
  for (std::string d; dirs >> d;)
    if (d != "/usr/lib/x86_64-linux-gnu" && d != "/usr/lib/aarch64-linux-gnu" &&
        d != "/usr/lib64" && d != "/usr/lib" && d != "/lib64" && d != "/lib") {
      dir = d;
      break;
    }
  if (dir.empty()) return {};
  const std::string cp = get(c, "env_var_LD_LIBRARY_PATH"), np = get(n, "env_var_LD_LIBRARY_PATH");
  return {"libcuda.so.1 is in " + files + " but was not loaded" +
              (why.empty() ? "" : " (dlopen: " + why + ")") +
              "; LD_LIBRARY_PATH=" + (cp.empty() ? "unset" : cp),
          "the driver's libcuda.so.1 is mounted in " + dir +
              " but the loader does not look there: LD_LIBRARY_PATH=" +
              (cp.empty() ? "unset" : cp) + " (natively " + (np.empty() ? "unset" : np) +
              ") leaves it out and the image's ld.so.cache lacks it. Keep " + dir +
              " in LD_LIBRARY_PATH (append to it rather than replace it) or run ldconfig in "
              "the image"};
}

}  // namespace gpuparity::harness::audit_rules
