#include "audit.hpp"

#include <algorithm>
#include <cstdlib>

namespace gpuparity::harness {
namespace {

std::string get(const std::map<std::string, std::string>& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

bool has_gpu(const side_view& s) {
  return get(s.context, "gpuparity_error").empty() && !get(s.context, "gpu_uuid").empty();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

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

std::string no_gpu_fix(const side_view& c, const container_config& rt) {
  const std::string& err = c.stderr_text;
  const bool gpus_flag = std::find(rt.extra.begin(), rt.extra.end(), "--gpus") != rt.extra.end() ||
                         std::any_of(rt.extra.begin(), rt.extra.end(), [](const std::string& a) {
                           return a.rfind("--gpus=", 0) == 0;
                         });
  if (rt.kind == runtime_kind::podman && gpus_flag)
    return "podman (4.x) accepts --gpus but passes no GPU through it: use CDI instead, "
           "--device nvidia.com/gpu=all (drop --no-gpu-flags), with a spec from "
           "`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`";
  if (contains(err, "CDI") || contains(err, "unresolvable"))
    return "the CDI spec for nvidia.com/gpu is missing or stale: run "
           "`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` on the host";
  if (contains(err, "could not select device driver"))
    return "Docker has no NVIDIA runtime: install the NVIDIA Container Toolkit, run "
           "`nvidia-ctk runtime configure --runtime=docker` and restart dockerd";
  if (!rt.gpu_flags)
    return "no GPU flags were passed (--no-gpu-flags): let gpuparity add the runtime's own "
           "(docker --gpus all, podman --device nvidia.com/gpu=all, apptainer --nv)";
  const std::string vars = get(c.context, "env_nvidia_variables");
  if (contains(vars, "NVIDIA_VISIBLE_DEVICES=void") ||
      contains(vars, "NVIDIA_VISIBLE_DEVICES=none"))
    return "the image sets NVIDIA_VISIBLE_DEVICES=" +
           std::string(contains(vars, "void") ? "void" : "none") +
           ": override it with -e NVIDIA_VISIBLE_DEVICES=all";
  if (get(c.context, "env_libcuda_path") == "not loaded")
    return "the driver's user-space libraries (libcuda.so.1) are not in the container: the "
           "runtime's NVIDIA hook or CDI spec did not mount them";
  return "check the runtime's GPU support (NVIDIA Container Toolkit for docker, a CDI spec for "
         "podman, --nv for apptainer) and that the image's CUDA needs no newer driver";
}

std::vector<std::string> of_class(const std::map<std::string, std::string>& degraded,
                                  const std::string& cls) {
  std::vector<std::string> out;
  for (const auto& [name, c] : degraded)
    if (c == cls || cls.empty()) out.push_back(name);
  return out;
}

}  // namespace

std::vector<finding> audit(const side_view& n, const side_view& c, const container_config& rt,
                           const std::map<std::string, std::string>& degraded) {
  std::vector<finding> out;
  const auto& nc = n.context;
  const auto& cc = c.context;
  if (!has_gpu(n)) {
    std::string why = get(nc, "gpuparity_error");
    if (why.empty()) why = n.stderr_text.substr(0, 400);
    out.push_back(
        {"no_gpu_native",
         "error",
         "no usable GPU on the host itself (the native side)",
         why,
         has_gpu(c) ? get(cc, "gpu_name") : "not judged: the native side already failed",
         "load the NVIDIA driver (nvidia-smi must list the GPU) and check CUDA_VISIBLE_DEVICES "
         "before judging containers",
         {}});
  }
  if (c.exit_code == 125 || c.exit_code == 126 || c.exit_code == 127) {
    // The engine's own words first: a daemon it cannot reach is not a GPU problem (a custom
    // template reaches this without the image check that names it before the trials).
    const std::string daemon = engine_unreachable_fix(runtime_executable(rt), c.stderr_text);
    if (c.context.empty())
      out.push_back(
          {"container_did_not_start",
           "error",
           "the runtime could not start the container (exit " + std::to_string(c.exit_code) + ")",
           "",
           c.stderr_text.substr(0, 600),
           daemon.empty() ? no_gpu_fix(c, rt) : daemon,
           {}});
  }
  if (has_gpu(n) && !has_gpu(c)) {
    std::string why = get(cc, "gpuparity_error");
    if (why.empty()) why = c.stderr_text.substr(0, 400);
    out.push_back({"no_gpu_in_container",
                   "error",
                   "no GPU is visible inside the container",
                   get(nc, "gpu_name") + " " + get(nc, "gpu_uuid") + " (driver " +
                       get(nc, "env_nvml_driver_version") + ")",
                   why,
                   no_gpu_fix(c, rt),
                   {}});
  }
  if (has_gpu(n) && has_gpu(c) && get(nc, "gpu_uuid") != get(cc, "gpu_uuid"))
    out.push_back(
        {"different_gpu",
         "warning",
         "the container ran on a different GPU than the native side",
         get(nc, "gpu_name") + " " + get(nc, "gpu_uuid") + " " + get(nc, "gpu_pci_bus_id"),
         get(cc, "gpu_name") + " " + get(cc, "gpu_uuid") + " " + get(cc, "gpu_pci_bus_id"),
         "select the same device on both sides (--gpus N)",
         {}});
  const std::string nv = get(nc, "env_libcuda_version"), cv = get(cc, "env_libcuda_version");
  const std::string host_driver = get(nc, "env_nvml_driver_version");
  if (has_gpu(c) && !cv.empty() && cv != "unknown" &&
      ((!nv.empty() && nv != "unknown" && nv != cv) ||
       (host_driver != "unavailable" && !host_driver.empty() && cv != host_driver)))
    out.push_back({"libcuda_version_mismatch",
                   "warning",
                   "the container loaded a libcuda whose version differs from the host driver's",
                   get(nc, "env_libcuda_path") + " " + nv + " (NVML driver " + host_driver + ")",
                   get(cc, "env_libcuda_path") + " " + cv,
                   contains(get(cc, "env_libcuda_path"), "compat")
                       ? "the image's cuda-compat libcuda is in use: remove it from "
                         "LD_LIBRARY_PATH unless the host driver is older than the image's CUDA"
                       : "mount the host driver's libcuda (NVIDIA Container Toolkit / CDI) instead "
                         "of one baked into the image",
                   {}});
  const std::string nq = get(nc, "env_cpu_quota_cpus"), cq = get(cc, "env_cpu_quota_cpus");
  if (!cq.empty() && cq != "unlimited" && cq != "unknown" && cq != nq)
    out.push_back({"cpu_quota", "warning",
                   "the container runs under a CPU quota of " + cq + " CPUs",
                   "cgroup cpu.max " + get(nc, "env_cgroup_cpu_max") + " (" + nq + ")",
                   "cgroup cpu.max " + get(cc, "env_cgroup_cpu_max") + " (" + cq + " CPUs)",
                   "remove --cpus / --cpu-quota or raise the quota: every launch and copy waits on "
                   "a CPU thread, so latency and startup suffer first",
                   of_class(degraded, "latency")});
  const double ncpu = number(get(nc, "env_cpus_allowed"), 0),
               ccpu = number(get(cc, "env_cpus_allowed"), 0);
  if (ncpu > 0 && ccpu > 0 && ccpu < ncpu)
    out.push_back(
        {"cpuset_narrowed", "warning", "the container may use fewer CPUs than the native side",
         get(nc, "env_cpus_allowed") + " CPUs (cpuset " + get(nc, "env_cgroup_cpuset") + ")",
         get(cc, "env_cpus_allowed") + " CPUs (cpuset " + get(cc, "env_cgroup_cpuset") + ")",
         "widen --cpuset-cpus, or pin both sides to the same CPUs", of_class(degraded, "latency")});
  const double nshm = number(get(nc, "env_dev_shm_bytes"), 0),
               cshm = number(get(cc, "env_dev_shm_bytes"), 0);
  if (cshm > 0 && cshm < 1024.0 * 1024 * 1024 && cshm < nshm)
    out.push_back({"small_dev_shm",
                   "warning",
                   "/dev/shm in the container is small",
                   get(nc, "env_dev_shm_bytes") + " bytes",
                   get(cc, "env_dev_shm_bytes") + " bytes",
                   "pass --shm-size=8g or --ipc=host (NCCL and PyTorch data loaders use /dev/shm)",
                   {}});
  const double nml = soft_limit(get(nc, "env_rlimit_memlock")),
               cml = soft_limit(get(cc, "env_rlimit_memlock"));
  if (cml >= 0 && nml > cml)
    out.push_back({"memlock_limited",
                   "warning",
                   "the container's RLIMIT_MEMLOCK is lower than native",
                   get(nc, "env_rlimit_memlock"),
                   get(cc, "env_rlimit_memlock"),
                   "pass --ulimit memlock=-1:-1 (pinned host memory and GPUDirect need it)",
                   {}});
  const double cnofile = soft_limit(get(cc, "env_rlimit_nofile"));
  if (cnofile >= 0 && cnofile < 4096)
    out.push_back({"nofile_low",
                   "info",
                   "the container's open-file limit is low",
                   get(nc, "env_rlimit_nofile"),
                   get(cc, "env_rlimit_nofile"),
                   "pass --ulimit nofile=65536:65536",
                   {}});
  if (!get(cc, "env_seccomp").empty() && get(nc, "env_seccomp") != get(cc, "env_seccomp"))
    out.push_back({"seccomp",
                   "info",
                   "the container runs under a different seccomp mode",
                   get(nc, "env_seccomp"),
                   get(cc, "env_seccomp"),
                   "none needed for CUDA; --security-opt seccomp=unconfined only to rule it out",
                   {}});
  if (get(nc, "env_ipc_namespace") != get(cc, "env_ipc_namespace") &&
      !get(cc, "env_ipc_namespace").empty())
    out.push_back({"ipc_namespace",
                   "info",
                   "the container has its own IPC namespace",
                   get(nc, "env_ipc_namespace"),
                   get(cc, "env_ipc_namespace"),
                   "--ipc=host where processes share CUDA IPC handles across containers",
                   {}});
  return out;
}

}  // namespace gpuparity::harness
