#include "audit_rules.hpp"

#include <algorithm>
#include <cstdlib>
#include <set>
#include <sstream>

namespace gpuparity::harness::audit_rules {

std::string get(const context& m, const std::string& k) {
  const auto it = m.find(k);
  return it == m.end() ? "" : it->second;
}

bool has_gpu(const side_view& s) {
  return get(s.context, "gpuparity_error").empty() && !get(s.context, "gpu_uuid").empty();
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

namespace {

// Which metrics a cause can move, by the metric's name and class.
using family = bool (*)(const std::string& name, const std::string& cls);

bool gemm(const std::string& n, const std::string&) {
  return contains(n, "gemm") || contains(n, "matmul") || contains(n, "transformer");
}
bool fp32_gemm(const std::string& n, const std::string& c) {
  return gemm(n, c) && (contains(n, "tf32") || contains(n, "fp32") || contains(n, "float32"));
}
bool torch(const std::string& n, const std::string&) { return n.rfind("torch/", 0) == 0; }
bool torch_gemm(const std::string& n, const std::string& c) { return torch(n, c) && gemm(n, c); }
bool torch_fp32(const std::string& n, const std::string& c) {
  return torch(n, c) && fp32_gemm(n, c);
}
bool collective(const std::string& n, const std::string&) {
  return contains(n, "nccl") || contains(n, "all_reduce") || contains(n, "allreduce") ||
         contains(n, "dataloader");
}
bool startup(const std::string& n, const std::string&) { return n.rfind("startup/", 0) == 0; }
bool host_threads(const std::string& n, const std::string& c) { return c == "host" || torch(n, c); }
bool any(const std::string&, const std::string&) { return true; }

std::vector<std::string> explained(const degraded_metrics& d, family f) {
  std::vector<std::string> out;
  for (const auto& [name, cls] : d)
    if (f(name, cls)) out.push_back(name);
  return out;
}

struct variable_rule {
  const char* name;  // a prefix when it ends in '_'
  const char* id;
  family moves;
  const char* effect;
  // A value that hurts real workloads whether or not this run measured the harm: a warning
  // even when it explains nothing measured (what it hurts follows).
  const char* hurting_value = nullptr;
  const char* hurts = nullptr;
};

// First match wins. The documented readers:
// - the CUDA driver and runtime: CUDA Programming Guide, appendix "CUDA Environment
//   Variables" (https://docs.nvidia.com/cuda/cuda-programming-guide/05-appendices/
//   environment-variables.html): CUDA_VISIBLE_DEVICES, CUDA_DEVICE_ORDER,
//   CUDA_LAUNCH_BLOCKING, CUDA_DEVICE_MAX_CONNECTIONS, CUDA_MODULE_LOADING,
//   CUDA_MODULE_DATA_LOADING, CUDA_CACHE_*, CUDA_FORCE_PTX_JIT, CUDA_DISABLE_PTX_JIT,
//   CUDA_AUTO_BOOST; MPS's CUDA_MPS_* in the GPU Deployment and Management Guide;
//   CUDA_DISABLE_PERF_BOOST in the 580.105.08 driver's release notes;
// - cuBLAS and cuBLASLt (https://docs.nvidia.com/cuda/cublas/): CUBLAS_WORKSPACE_CONFIG
//   (results reproducibility), CUBLASLT_LOG_* / CUBLAS_LOG* (logging: each GEMM writes a
//   line), and the emulation and heuristics variables read by every handle;
//   NVIDIA_TF32_OVERRIDE, read by NVIDIA's math libraries (0 turns TF32 off in cuBLAS,
//   cuBLASLt and cuDNN whatever the handle asked, as NVIDIA's framework containers document);
// - PyTorch (https://docs.pytorch.org/docs/stable/cuda_environment_variables.html):
//   TORCH_ALLOW_TF32_CUBLAS_OVERRIDE, TORCH_CUBLAS_*, TORCH_BLAS_*, PYTORCH_*;
// - NCCL's NCCL_*, the loader's LD_PRELOAD, the OpenMP and BLAS thread pools.
// A variable in none of these rules (NVIDIA_REQUIRE_CUDA, CUDA_VERSION, LD_LIBRARY_PATH,
// whose effect is the libraries loaded, compared by library_rules) changes no measured
// result by itself.
constexpr variable_rule variable_rules_table[] = {
    // Image metadata and build-time settings under the readers' prefixes: nothing reads
    // them at run time, so they explain nothing (NVIDIA's CUDA images set the first three).
    {"NCCL_VERSION", "", nullptr, ""},
    {"CUDNN_VERSION", "", nullptr, ""},
    {"CUDA_VERSION", "", nullptr, ""},
    {"TORCH_CUDA_ARCH_LIST", "", nullptr, ""},
    {"TORCH_NVCC_FLAGS", "", nullptr, ""},
    {"NVIDIA_TF32_OVERRIDE", "math_mode_variable", fp32_gemm,
     "overrides TF32 tensor-core math in cuBLAS, cuBLASLt and cuDNN (0: FP32 and TF32 GEMMs "
     "fall back to CUDA cores)"},
    {"TORCH_ALLOW_TF32_", "math_mode_variable", torch_fp32, "forces PyTorch's TF32 matmul mode"},
    {"TORCH_BLAS_", "math_mode_variable", torch_gemm, "changes which BLAS PyTorch's matmul uses"},
    {"TORCH_CUBLAS_", "math_mode_variable", torch_gemm, "changes PyTorch's cuBLAS workspaces"},
    {"CUBLAS_WORKSPACE_CONFIG", "math_mode_variable", gemm,
     "sets cuBLAS's workspace, which limits the GEMM kernels it may choose"},
    {"CUBLASLT_", "math_mode_variable", gemm,
     "is read by cuBLASLt on every GEMM (workspace, heuristics, emulation, logging)"},
    {"CUBLAS_", "math_mode_variable", gemm,
     "is read by cuBLAS on every GEMM (workspace, emulation, logging)"},
    {"CUDNN_", "environment_variable", torch, "is read by cuDNN"},
    {"NCCL_", "environment_variable", collective, "changes NCCL's transports and algorithms"},
    {"TORCH_", "environment_variable", torch, "is read by PyTorch"},
    {"PYTORCH_", "environment_variable", torch, "is read by PyTorch (allocator, CUDA checks)"},
    {"CUDA_LAUNCH_BLOCKING", "environment_variable", any,
     "makes every kernel launch synchronous (a debugging aid, never for measurement)", "1",
     "every real workload: the CPU waits for each kernel, so CPU and GPU work never overlap "
     "and multi-stream work serialises"},
    {"CUDA_MODULE_LOADING", "environment_variable", startup,
     "changes when kernels are loaded (lazy or eager), so startup and first launches", "EAGER",
     "the startup and memory of real workloads with large kernel libraries (PyTorch, cuDNN, "
     "cuBLAS load every module at once: seconds and hundreds of MB per process)"},
    {"CUDA_MODULE_DATA_LOADING", "environment_variable", startup,
     "changes when module data is loaded, so startup"},
    {"CUDA_CACHE_", "environment_variable", startup, "changes the JIT cache, so startup"},
    {"CUDA_FORCE_PTX_JIT", "environment_variable", any, "forces kernels to be JIT-compiled"},
    {"CUDA_DISABLE_PTX_JIT", "environment_variable", any, "forbids JIT-compiling PTX"},
    {"CUDA_DEVICE_MAX_CONNECTIONS", "environment_variable", any,
     "changes how many hardware queues streams share"},
    {"CUDA_DISABLE_PERF_BOOST", "environment_variable", any,
     "keeps the GPU from boosting to its higher power state while CUDA runs"},
    {"CUDA_AUTO_BOOST", "environment_variable", any, "changes the GPU's auto boost clocks"},
    {"CUDA_VISIBLE_DEVICES", "environment_variable", any, "selects which GPUs CUDA sees"},
    {"CUDA_DEVICE_ORDER", "environment_variable", any, "changes which GPU is device 0"},
    {"CUDA_MPS_", "environment_variable", any, "routes work through an MPS server"},
    {"LD_PRELOAD", "environment_variable", any,
     "injects a library into every process (it can intercept any CUDA call)"},
    {"OMP_", "environment_variable", host_threads, "sizes the OpenMP thread pool"},
    {"KMP_", "environment_variable", host_threads, "tunes the Intel OpenMP runtime"},
    {"MKL_NUM_THREADS", "environment_variable", host_threads, "sizes MKL's thread pool"},
    {"OPENBLAS_NUM_THREADS", "environment_variable", host_threads, "sizes OpenBLAS's threads"},
};

const variable_rule* rule_for(const std::string& var) {
  for (const auto& r : variable_rules_table) {
    const std::string n = r.name;
    if (n.back() == '_' ? var.rfind(n, 0) == 0 : var == n) return &r;
  }
  return nullptr;
}

std::string shown(const std::string& v, const std::string& unset = "unset") {
  if (v.empty()) return unset;
  return v.size() > 160 ? v.substr(0, 157) + "..." : v;
}

std::string variable_fix(const std::string& var, const std::string& nv, const std::string& cv) {
  if (cv.empty())
    return "the container lacks " + var + "=" + nv + ": pass -e " + var + "=" + nv +
           " if the native setting is intended, or unset it natively";
  return "the container sets " + var + "=" + cv + " (" +
         (nv.empty() ? std::string("unset natively") : "natively " + nv) +
         "): remove it from the image's ENV or override it with " +
         (nv.empty() ? "-e " + var + "= (or unset it in the entrypoint)" : "-e " + var + "=" + nv);
}

std::set<std::string> with_prefix(const context& c, const std::string& prefix) {
  std::set<std::string> out;
  for (auto it = c.lower_bound(prefix); it != c.end() && it->first.rfind(prefix, 0) == 0; ++it)
    out.insert(it->first.substr(prefix.size()));
  return out;
}

}  // namespace

void variable_rules(const context& n, const context& c, const degraded_metrics& d, findings& out) {
  // Only sides that recorded their variables (env_variables) can be compared: an older
  // bench's silence means nothing.
  if (get(n, "env_variables").empty() || get(c, "env_variables").empty()) return;
  std::set<std::string> vars = with_prefix(n, "env_var_");
  const auto cvars = with_prefix(c, "env_var_");
  vars.insert(cvars.begin(), cvars.end());
  for (const auto& var : vars) {
    const std::string nv = get(n, "env_var_" + var), cv = get(c, "env_var_" + var);
    if (nv == cv) continue;
    const variable_rule* r = rule_for(var);
    const auto explains = r && r->moves ? explained(d, r->moves) : std::vector<std::string>{};
    const bool hurts = r && r->hurting_value && cv.rfind(r->hurting_value, 0) == 0;
    if (explains.empty() && !hurts) {
      out.other.push_back({var, shown(nv), shown(cv), true});
      continue;
    }
    out.found.push_back({r->id, "warning",
                         var + " differs: it " + r->effect +
                             (explains.empty() ? std::string(", which hurts ") + r->hurts +
                                                     " (no measured metric shows it here)"
                                               : ", and explains " +
                                                     std::to_string(explains.size()) +
                                                     " degraded metric(s)"),
                         var + "=" + shown(nv), var + "=" + shown(cv), variable_fix(var, nv, cv),
                         explains});
  }
}

namespace {

family library_family(const std::string& key) {
  if (key == "cublas" || key == "cublasLt") return gemm;
  if (key.rfind("torch", 0) == 0 || key.rfind("c10", 0) == 0 || key == "cudnn") return torch;
  if (key == "nccl") return collective;
  if (key == "cudart" || key == "nvrtc") return any;
  return nullptr;  // libc, NVML: nothing measured depends on their version
}

std::string directory_of(const std::string& path) {
  const auto slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(0, slash);
}

}  // namespace

void library_rules(const context& n, const context& c, const degraded_metrics& d, findings& out) {
  const std::string nrt = get(n, "cuda_runtime_version"), crt = get(c, "cuda_runtime_version");
  if (!nrt.empty() && !crt.empty() && nrt != crt) {
    const auto explains = explained(d, any);
    if (explains.empty())
      out.other.push_back({"CUDA runtime", nrt, crt});
    else
      out.found.push_back({"library_differs", "warning",
                           "the container's CUDA runtime is " + crt + ", natively " + nrt,
                           "CUDA runtime " + nrt, "CUDA runtime " + crt,
                           "build the image from the same CUDA toolkit as the native build",
                           explains});
  }
  if (get(n, "env_libraries").empty() || get(c, "env_libraries").empty()) return;
  std::set<std::string> libs;
  for (const auto* side : {&n, &c})
    for (const auto& k : with_prefix(*side, "env_lib_"))
      if (k.size() > 5 && k.compare(k.size() - 5, 5, "_path") == 0)
        libs.insert(k.substr(0, k.size() - 5));
  for (const auto& lib : libs) {
    if (lib == "cuda") continue;  // against the kernel module, in libcuda_against_module
    const std::string np = get(n, "env_lib_" + lib + "_path"),
                      cp = get(c, "env_lib_" + lib + "_path");
    const std::string nv = get(n, "env_lib_" + lib + "_version"),
                      cv = get(c, "env_lib_" + lib + "_version");
    const bool versions_known = !nv.empty() && nv != "unknown" && !cv.empty() && cv != "unknown";
    if (versions_known ? nv == cv : np == cp) continue;
    const family f = library_family(lib);
    const auto explains = f ? explained(d, f) : std::vector<std::string>{};
    const std::string ns = shown(np, "not loaded") + " " + nv,
                      cs = shown(cp, "not loaded") + " " + cv;
    if (explains.empty()) {
      out.other.push_back({"lib" + lib, ns, cs});
      continue;
    }
    const std::string path_var = get(c, "env_var_LD_LIBRARY_PATH");
    out.found.push_back(
        {"library_differs", "warning",
         "the container loads a different lib" + lib + " (" + cs + ") than the native side",
         ns + "; LD_LIBRARY_PATH=" + shown(get(n, "env_var_LD_LIBRARY_PATH")),
         cs + "; LD_LIBRARY_PATH=" + shown(path_var),
         cp.empty() ? "the container loads no lib" + lib + ": install the same library as natively"
                    : "the container loads lib" + lib + " from " + directory_of(cp) +
                          ": install the native version (" + nv + ") in the image or drop " +
                          directory_of(cp) + " from LD_LIBRARY_PATH so " + directory_of(np) +
                          "'s copy is found",
         explains});
  }
}

void device_node_rules(const context& n, const context& c, findings& out) {
  if (get(n, "env_device_nodes").empty() || get(c, "env_device_nodes").empty()) return;
  std::set<std::string> nodes = with_prefix(n, "env_dev_");
  const auto cn = with_prefix(c, "env_dev_");
  nodes.insert(cn.begin(), cn.end());
  nodes.erase("shm_bytes");  // env_dev_shm_bytes is /dev/shm's size, not a device node
  for (const auto& node : nodes) {
    const std::string nv = get(n, "env_dev_" + node), cv = get(c, "env_dev_" + node);
    if (nv != cv) out.other.push_back({"/dev/" + node, shown(nv, "absent"), shown(cv, "absent")});
  }
}

}  // namespace gpuparity::harness::audit_rules
