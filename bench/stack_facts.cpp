#include "stack_facts.hpp"

#include <dirent.h>
#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <link.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

extern char** environ;

namespace gpuparity {
namespace {

// The libraries whose version or location changes what a GPU workload measures, by the
// start of their file name; the key is the name without "lib".
constexpr const char* stack_libraries[] = {
    "libcuda.so",  "libcudart.so",  "libcublas.so",    "libcublasLt.so", "libnccl.so",
    "libtorch.so", "libtorch_cuda", "libtorch_cpu",    "libc10.so",      "libc10_cuda",
    "libcudnn.so", "libnvrtc.so",   "libnvidia-ml.so", "libc.so"};

std::string base_name(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "libcublasLt.so.13" -> "cublasLt", "libnvidia-ml.so.1" -> "nvidia_ml".
std::string library_key(const std::string& file) {
  std::string k = file.substr(3, file.find(".so") - 3);
  std::replace(k.begin(), k.end(), '-', '_');
  return k;
}

std::string real_path(const std::string& path) {
  char buf[4096];
  return realpath(path.c_str(), buf) ? std::string(buf) : path;
}

int collect_library(dl_phdr_info* info, std::size_t, void* data) {
  auto& found = *static_cast<std::map<std::string, std::string>*>(data);
  if (!info->dlpi_name || !*info->dlpi_name) return 0;
  const std::string path = info->dlpi_name, file = base_name(path);
  for (const char* prefix : stack_libraries)
    if (file.rfind(prefix, 0) == 0) {
      found.emplace(library_key(file), path);  // the first mapping wins, as for the loader
      break;
    }
  return 0;
}

std::string first_line_of(const std::string& path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

// The first libcuda.so.1 along LD_LIBRARY_PATH: a cuda-compat directory there shadows the
// host driver's libcuda, and when CUDA then fails the library may be unloaded again.
std::string libcuda_on_library_path() {
  const char* p = std::getenv("LD_LIBRARY_PATH");
  if (!p) return "none";
  std::stringstream dirs(p);
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const std::string candidate = dir + "/libcuda.so.1";
    if (access(candidate.c_str(), F_OK) == 0) return real_path(candidate);
  }
  return "none";
}

// The folders holding a libcuda.so.1 where drivers and container runtimes put it (the
// toolkit's hook and CDI: /usr/lib/<triplet>, /usr/lib64; docker's old nvidia runtime and
// some CDI specs: /usr/local/nvidia/lib64; apptainer --nv: /.singularity.d/libs), whether or
// not the loader's path reaches them.
std::string libcuda_files() {
  std::string found;
  for (const char* dir : {"/usr/local/nvidia/lib64", "/usr/local/nvidia/lib",
                          "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib64",
                          "/usr/lib", "/usr/lib/wsl/lib", "/.singularity.d/libs"})
    if (access((std::string(dir) + "/libcuda.so.1").c_str(), F_OK) == 0)
      found += (found.empty() ? "" : " ") + std::string(dir);
  return found.empty() ? "none" : found;
}

std::string open_state(const std::string& path) {
  int fd = open(path.c_str(), O_RDWR | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    close(fd);
    return "ok";
  }
  const int rw_errno = errno;
  // nvidia-caps nodes are opened read-only by the driver library; read-only is enough there.
  fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd >= 0) {
    close(fd);
    return "read-only";
  }
  return std::string("cannot open: ") + std::strerror(rw_errno);
}

// The nvidia* entries of dir; *error gets strerror when dir cannot be read (no file
// descriptor left under a tiny RLIMIT_NOFILE reads as "every node missing" otherwise).
std::vector<std::string> nvidia_entries(const std::string& dir, std::string* error = nullptr) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (const dirent* e = readdir(d))
      if (std::strncmp(e->d_name, "nvidia", 6) == 0) names.emplace_back(e->d_name);
    closedir(d);
  } else if (error) {
    *error = std::strerror(errno);
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The version a library reports itself, for files named by their soname only (wheels,
// CDI bind mounts): dlopen with RTLD_NOLOAD finds the copy already mapped, loads nothing.
std::string self_reported_version(const std::string& key, const std::string& path) {
  void* h = dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (!h) return "";
  std::string v;
  int n = 0;
  if (key == "cublasLt") {
    if (auto f = reinterpret_cast<std::size_t (*)()>(dlsym(h, "cublasLtGetVersion")))
      v = std::to_string(f());
  } else if (key == "cublas") {
    using property_fn = int (*)(int, int*);  // cublasGetProperty(MAJOR=0, MINOR=1, PATCH=2)
    if (auto f = reinterpret_cast<property_fn>(dlsym(h, "cublasGetProperty"))) {
      int major = 0, minor = 0, patch = 0;
      if (f(0, &major) == 0 && f(1, &minor) == 0 && f(2, &patch) == 0)
        v = std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
    }
  } else if (key == "cudart") {
    if (auto f = reinterpret_cast<int (*)(int*)>(dlsym(h, "cudaRuntimeGetVersion")))
      if (f(&n) == 0) v = std::to_string(n);
  } else if (key == "nccl") {
    if (auto f = reinterpret_cast<int (*)(int*)>(dlsym(h, "ncclGetVersion")))
      if (f(&n) == 0) v = std::to_string(n);
  }
  dlclose(h);
  return v;
}

}  // namespace

std::string version_of_library_file(const std::string& path) {
  const std::string file = base_name(path);
  const auto so = file.find(".so.");
  if (so == std::string::npos) return "";
  const std::string v = file.substr(so + 4);
  return v.find('.') == std::string::npos ? "" : v;  // a bare soname major says too little
}

fact_list library_facts() {
  std::map<std::string, std::string> found;
  dl_iterate_phdr(collect_library, &found);
  fact_list f;
  std::string names;
  for (const auto& [key, path] : found) {
    const std::string real = real_path(path);
    std::string version = version_of_library_file(real);
    if (key == "c") version = gnu_get_libc_version();
    if (version.empty()) version = self_reported_version(key, path);
    f.emplace_back("env_lib_" + key + "_path", real);
    f.emplace_back("env_lib_" + key + "_version", version.empty() ? "unknown" : version);
    names += (names.empty() ? "" : " ") + key;
  }
  f.emplace_back("env_libraries", names.empty() ? "none" : names);
  return f;
}

bool is_stack_variable(const std::string& name) {
  // Documented readers: the CUDA driver and runtime (CUDA_*), the container toolkit and
  // libraries' overrides (NVIDIA_TF32_OVERRIDE, NVIDIA_VISIBLE_DEVICES), cuBLAS/cuBLASLt
  // (CUBLAS_WORKSPACE_CONFIG, CUBLASLT_LOG_*, ...), cuDNN, NCCL, PyTorch (TORCH_*,
  // PYTORCH_*), the dynamic loader and the OpenMP/BLAS thread pools.
  for (const char* prefix : {"CUDA_", "NVIDIA_", "CUBLAS_", "CUBLASLT_", "CUDNN_", "NCCL_",
                             "TORCH_", "PYTORCH_", "LD_", "OMP_", "KMP_"})
    if (name.rfind(prefix, 0) == 0) return true;
  for (const char* exact : {"MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CUDNN_LOGINFO_DBG"})
    if (name == exact) return true;
  return false;
}

fact_list stack_variable_facts(char** environment) {
  // Bounded: an image can set hundreds of NCCL_* variables or a path of many kilobytes, and
  // the evidence travels in every trial's document.
  constexpr std::size_t max_variables = 96, max_value_bytes = 1024;
  std::vector<std::pair<std::string, std::string>> vars;
  for (char** e = environment; e && *e; ++e) {
    const std::string entry = *e;
    const auto eq = entry.find('=');
    if (eq == std::string::npos || !is_stack_variable(entry.substr(0, eq))) continue;
    std::string value = entry.substr(eq + 1);
    if (value.size() > max_value_bytes)
      value = value.substr(0, max_value_bytes) + "... (" + std::to_string(value.size()) + " bytes)";
    vars.emplace_back(entry.substr(0, eq), std::move(value));
  }
  std::sort(vars.begin(), vars.end());
  const std::size_t dropped = vars.size() > max_variables ? vars.size() - max_variables : 0;
  vars.resize(vars.size() - dropped);
  fact_list f;
  std::string list;
  for (const auto& [name, value] : vars) {
    f.emplace_back("env_var_" + name, value);
    list += (list.empty() ? "" : " ") + name;
  }
  f.emplace_back("env_variables", list.empty() ? "none" : list);
  if (dropped > 0) f.emplace_back("env_variables_dropped", std::to_string(dropped));
  return f;
}

fact_list device_node_facts(const std::string& dev_root) {
  fact_list f;
  std::vector<std::string> nodes;
  std::string unreadable;
  const auto entries = nvidia_entries(dev_root, &unreadable);
  if (!unreadable.empty()) {
    f.emplace_back("env_device_nodes", "unreadable: " + dev_root + ": " + unreadable);
    return f;
  }
  for (const auto& name : entries) {
    if (name == "nvidia-caps") {
      for (const auto& cap : nvidia_entries(dev_root + "/nvidia-caps"))
        nodes.push_back("nvidia-caps/" + cap);
      continue;
    }
    nodes.push_back(name);
  }
  for (const auto& n : nodes) f.emplace_back("env_dev_" + n, open_state(dev_root + "/" + n));
  // Every CUDA process opens these two; their absence is the cause to name, not a detail.
  for (const char* needed : {"nvidiactl", "nvidia-uvm"})
    if (std::find(nodes.begin(), nodes.end(), needed) == nodes.end())
      f.emplace_back(std::string("env_dev_") + needed, "missing");
  std::string list;
  for (const auto& n : nodes) list += (list.empty() ? "" : " ") + n;
  f.emplace_back("env_device_nodes", list.empty() ? "none" : list);
  return f;
}

std::string kernel_module_version(const std::string& proc_text) {
  // The version is the first whitespace-separated word made of digits and dots with a dot.
  std::istringstream words(proc_text.substr(0, proc_text.find('\n')));
  for (std::string w; words >> w;)
    if (w.find('.') != std::string::npos && std::isdigit(static_cast<unsigned char>(w[0])) &&
        w.find_first_not_of("0123456789.") == std::string::npos)
      return w;
  return "";
}

fact_list stack_facts() {
  fact_list f = library_facts();
  const fact_list vars = stack_variable_facts(environ);
  const fact_list nodes = device_node_facts();
  f.insert(f.end(), vars.begin(), vars.end());
  f.insert(f.end(), nodes.begin(), nodes.end());
  const std::string module = kernel_module_version(first_line_of("/proc/driver/nvidia/version"));
  f.emplace_back("env_nvidia_kernel_module", module.empty() ? "not loaded" : module);
  f.emplace_back("env_libcuda_on_library_path", libcuda_on_library_path());
  std::string mem = first_line_of("/sys/fs/cgroup/memory.max");
  if (mem.empty()) mem = first_line_of("/sys/fs/cgroup/memory/memory.limit_in_bytes");
  f.emplace_back("env_cgroup_memory_max", mem.empty() ? "unknown" : mem);
  std::string pids = first_line_of("/sys/fs/cgroup/pids.max");
  if (pids.empty()) pids = first_line_of("/sys/fs/cgroup/pids/pids.max");
  f.emplace_back("env_cgroup_pids_max", pids.empty() ? "unknown" : pids);
  f.emplace_back("env_libcuda_files", libcuda_files());
  return f;
}

}  // namespace gpuparity
