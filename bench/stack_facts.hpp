#pragma once
// What of the GPU software stack a workload process really uses: the libraries it mapped
// (with their real paths and versions), the environment variables the CUDA stack, cuBLAS,
// NCCL, PyTorch and the loader read, the NVIDIA device nodes it can open and the kernel
// module's version. None of it needs a working GPU, so a process whose CUDA failed to
// initialise still reports it, and the harness's audit can name the cause.
#include <string>
#include <utility>
#include <vector>

namespace gpuparity {

using fact_list = std::vector<std::pair<std::string, std::string>>;

// env_lib_<name>_path / _version for each library of the stack mapped into this process
// (libcuda, libcudart, libcublas, libcublasLt, libnccl, libtorch*, libc10*, libnvidia-ml,
// libc), and env_libraries: the names found, so a side that recorded them can be told
// from an older one that did not.
fact_list library_facts();

// The version in a library file's real name: "libcublasLt.so.13.0.2.14" -> "13.0.2.14";
// "" when the name carries none beyond the soname's major.
std::string version_of_library_file(const std::string& path);

// env_var_<NAME> for each variable of the GPU stack set in `environment` (a NULL-ended
// list as environ), and env_variables: their names, or "none". Bounded: values past 1 KiB
// are cut (their length named), and past 96 variables (by name) the rest are only counted
// in env_variables_dropped.
fact_list stack_variable_facts(char** environment);

// Whether a variable name is one the CUDA stack, its libraries, PyTorch or the loader read.
bool is_stack_variable(const std::string& name);

// env_dev_<node> for each NVIDIA node under dev_root ("/dev" outside tests): "ok", or
// "cannot open: <reason>"; the nodes CUDA always needs (nvidiactl, nvidia-uvm) are
// "missing" when absent. env_device_nodes lists the nodes found, or "none".
fact_list device_node_facts(const std::string& dev_root = "/dev");

// The kernel module's version from /proc/driver/nvidia/version's text ("NVRM version:
// NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build ..."), "" if none.
std::string kernel_module_version(const std::string& proc_text);

// All of the above plus env_nvidia_kernel_module and env_libcuda_on_library_path (the first
// libcuda.so.1 the loader would find through LD_LIBRARY_PATH, read even if none was loaded).
fact_list stack_facts();

}  // namespace gpuparity
