#include "audit.hpp"

#include <algorithm>
#include <csignal>
#include <initializer_list>
#include <utility>

#include "audit_rules.hpp"

namespace gpuparity::harness {
namespace {

using namespace audit_rules;

// What the container's own evidence names as the reason CUDA found no GPU, most specific
// first: no file descriptors left, a missing or unopenable device node, a variable that
// hides the GPU, a libcuda that does not match the kernel module or that the loader misses.
cause container_gpu_cause(const context& n, const context& c) {
  for (auto rule : {open_file_limit, missing_device_node, libcuda_against_module,
                    libcuda_off_loader_path, visible_devices_hidden})
    if (cause found = rule(n, c); !found.fix.empty()) return found;
  return {};
}

// A flag among the runtime's extra flags, the last time it was passed, as written
// ("--memory=256m", "-m 256m"); "" if absent.
std::string flag_passed(const std::vector<std::string>& extra,
                        std::initializer_list<const char*> names) {
  const auto all = flags_passed(extra, names);
  return all.empty() ? "" : all.back().as_written;
}

// The workload program's own loader failed ("gpuparity-bench: error while loading shared
// libraries: ..."), not the engine's ("docker: error while loading ...").
bool workload_loader_failed(const std::string& err) {
  const auto loader = err.find(": error while loading shared libraries");
  if (loader == std::string::npos) return false;
  const auto line = err.rfind('\n', loader) + 1;  // npos + 1 == 0: the first line
  return contains(err.substr(line, loader - line), "gpuparity-");
}

// The signals a program raises on itself when it faults.
const char* crash_signal_name(int sig) {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGBUS: return "SIGBUS";
    case SIGILL: return "SIGILL";
    case SIGFPE: return "SIGFPE";
    case SIGABRT: return "SIGABRT";
    default: return nullptr;
  }
}

bool has_nvidia_nodes(const context& c) {
  const std::string nodes = get(c, "env_device_nodes");
  return !nodes.empty() && nodes != "none";
}

// The first cause the evidence names, most specific first: the engine's own words, then
// what the container lacks (a device node, a matching libcuda), then the flags passed.
std::string no_gpu_fix(const side_view& n, const side_view& c, const container_config& rt) {
  const std::string& err = c.stderr_text;
  const bool gpus_flag = !flag_passed(rt.extra, {"--gpus"}).empty();
  if (rt.kind == runtime_kind::podman && gpus_flag)
    return "podman (4.x) accepts --gpus but passes no GPU through it: use CDI instead, "
           "--device nvidia.com/gpu=all (drop --no-gpu-flags), with a spec from "
           "`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`";
  if (rt.kind == runtime_kind::podman && rt.gpus.kind == gpu_selection_kind::uuid &&
      contains(err, "unresolvable"))
    return "the CDI spec names no device " + rt.gpus.value +
           ": nvidia-ctk names devices by index unless asked; run `nvidia-ctk cdi generate "
           "--device-name-strategy=uuid --output=/etc/cdi/nvidia.yaml`, or pass --gpus with the "
           "GPU's index";
  if (contains(err, "CDI") || contains(err, "unresolvable"))
    return "the CDI spec for nvidia.com/gpu is missing or stale: run "
           "`nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` on the host";
  if (contains(err, "could not select device driver"))
    return "Docker has no NVIDIA runtime: install the NVIDIA Container Toolkit, run "
           "`nvidia-ctk runtime configure --runtime=docker` and restart dockerd";
  if (const cause found = container_gpu_cause(n.context, c.context); !found.fix.empty())
    return found.fix;
  // Flags given by hand that brought device nodes in are not "no GPU flags".
  if (!rt.gpu_flags && !has_nvidia_nodes(c.context))
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

// Errors first, then what explains a degraded metric, then the rest; the differences
// that explain nothing become one info finding, so a healthy run shows no warning.
void order_and_collapse(std::vector<finding>& out, const std::vector<difference>& other) {
  auto rank = [](const finding& f) {
    const int sev = f.severity == "error" ? 0 : f.severity == "warning" ? 1 : 2;
    return sev * 2 + (f.explains.empty() ? 1 : 0);
  };
  std::stable_sort(out.begin(), out.end(),
                   [&](const finding& a, const finding& b) { return rank(a) < rank(b); });
  if (other.empty()) return;
  // The title names what differs (each up to its explanation in parentheses), the
  // surroundings first and the environment variables after them, at most 8 of each.
  auto listed = [&](bool variables) {
    std::string names;
    std::size_t n = 0;
    for (const auto& d : other) {
      if (d.variable != variables) continue;
      if (n < 8) names += (n ? ", " : "") + d.what.substr(0, d.what.find(" ("));
      ++n;
    }
    if (n > 8) names += " and " + std::to_string(n - 8) + " more";
    return std::make_pair(n, names);
  };
  const auto [surroundings, surrounding_names] = listed(false);
  const auto [variables, variable_names] = listed(true);
  std::string names = surrounding_names;
  if (variables > 0)
    names += (names.empty() ? "" : "; ") + std::to_string(variables) +
             " environment variable(s): " + variable_names;
  finding f{"other_differences",
            "info",
            std::to_string(other.size()) +
                " other difference(s) that explain no measured result: " + names,
            "",
            "",
            "nothing to fix for these results; they matter only to workloads this run "
            "did not measure",
            {}};
  for (const auto& d : other) {
    f.native += (f.native.empty() ? "" : "; ") + d.what + ": " + d.native;
    f.container += (f.container.empty() ? "" : "; ") + d.what + ": " + d.container;
  }
  out.push_back(std::move(f));
}

// The container's workload wrote no evidence and gpuparity did not stop it: the program's
// loader failed (exit 127 with the loader's words), the engine could not start the
// container (125, 126, 127), or a signal killed it (128 + N; 137 is SIGKILL, most often the
// memory cgroup's OOM killer). True when it added the finding that says so.
bool container_without_evidence(const side_view& n, const side_view& c,
                                const container_config& rt, std::vector<finding>& out) {
  if (!c.context.empty() || !c.stopped.empty()) return false;
  const std::string err = c.stderr_text.substr(0, 600);
  if (c.exit_code == 127 && workload_loader_failed(c.stderr_text)) {
    out.push_back({"workload_libraries_missing", "error",
                   "the workload program could not load its libraries in the container", "",
                   err,
                   "the image lacks a library the program needs (named above), or an "
                   "LD_LIBRARY_PATH set for the container hides it: install it in the image "
                   "or keep its folder in LD_LIBRARY_PATH (append to it rather than replace it)",
                   {}});
    return true;
  }
  if (c.exit_code == 125 || c.exit_code == 126 || c.exit_code == 127) {
    // The engine's own words first: a daemon it cannot reach, or a resource limit it could
    // not set, is not a GPU problem (a custom template reaches this without the image check
    // that names an unreachable daemon before the trials).
    std::string fix = engine_unreachable_fix(runtime_executable(rt), c.stderr_text);
    if (fix.empty()) fix = engine_rlimit_fix(c.stderr_text, rt.extra);
    if (fix.empty()) fix = engine_open_files_fix(c.stderr_text, rt.extra);
    out.push_back(
        {"container_did_not_start", "error",
         "the runtime could not start the container (exit " + std::to_string(c.exit_code) + ")",
         "", err, fix.empty() ? no_gpu_fix(n, c, rt) : fix, {}});
    return true;
  }
  // The engine reports a signal as 128 + N; a process gpuparity started itself (apptainer,
  // a custom template) carries the signal.
  const int sig = c.signal > 0 ? c.signal
                  : c.exit_code > 128 && c.exit_code < 128 + 65 ? c.exit_code - 128
                                                                 : 0;
  if (sig == 0) return false;
  if (const char* name = crash_signal_name(sig)) {
    out.push_back(
        {"container_workload_crashed", "error",
         std::string("the workload in the container crashed (signal ") + std::to_string(sig) +
             ", " + name + ") before it wrote any evidence",
         "", "exit " + std::to_string(c.exit_code) + (err.empty() ? "" : "; " + err),
         "the program itself faulted: read its stderr in the report's trials; in a container "
         "the usual causes are CUDA libraries or a libcuda baked into the image that do not "
         "match the host driver, an LD_PRELOAD, or an image built for another CPU",
         {}});
    return true;
  }
  const std::string memory = flag_passed(rt.extra, {"--memory", "-m"});
  out.push_back(
      {"container_workload_killed", "error",
       "the workload in the container was killed by signal " + std::to_string(sig) +
           (sig == SIGKILL ? " (SIGKILL)" : "") + " before it wrote any evidence",
       "", "exit " + std::to_string(c.exit_code) + (memory.empty() ? "" : ", run with " + memory) +
               (err.empty() ? "" : "; " + err),
       sig == SIGKILL ? (memory.empty()
                       ? "SIGKILL with no word from the program is most often the memory "
                         "cgroup's OOM killer: check the container's memory limit (the "
                         "engine's inspect shows OOMKilled) and the host's dmesg"
                       : "the container's memory limit (" + memory +
                             ") is the likely cause: the OOM killer stops the program when its "
                             "pinned and pageable host buffers and the CUDA context exceed it; "
                             "raise or drop the limit")
                : "find what sent the signal (the engine, an orchestrator, a watchdog)",
       {}});
  return true;
}

void gpu_findings(const side_view& n, const side_view& c, const container_config& rt,
                  std::vector<finding>& out) {
  const auto& nc = n.context;
  const auto& cc = c.context;
  // A workload gpuparity had to stop wrote no evidence: say that, not "no GPU".
  for (const auto* side : {&n, &c}) {
    if (side->stopped.empty() || !side->context.empty()) continue;
    const bool container = side == &c;
    out.push_back({container ? "container_workload_stopped" : "native_workload_stopped",
                   "error",
                   std::string("the workload ") + (container ? "in the container" : "on the host") +
                       " was stopped by gpuparity: " + side->stopped,
                   container ? "" : side->stderr_text.substr(0, 600),
                   container ? side->stderr_text.substr(0, 600) : "",
                   "read its stderr in the report's trials; if it only needs longer, raise "
                   "--trial-timeout; a workload that hangs only in the container points at the "
                   "container (its device nodes, driver libraries, limits)",
                   {}});
  }
  if (!n.stopped.empty() && n.context.empty()) return;
  if (!c.stopped.empty() && c.context.empty()) return;
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
  // A container that left no evidence: say how it ended, not "no GPU".
  if (container_without_evidence(n, c, rt, out)) return;
  if (has_gpu(n) && !has_gpu(c)) {
    std::string why = get(cc, "gpuparity_error");
    if (why.empty()) why = c.stderr_text.substr(0, 400);
    // What the container lacked, next to CUDA's own words.
    const std::string lacked = container_gpu_cause(nc, cc).evidence;
    out.push_back({"no_gpu_in_container",
                   "error",
                   "no GPU is visible inside the container",
                   get(nc, "gpu_name") + " " + get(nc, "gpu_uuid") + " (driver " +
                       get(nc, "env_nvml_driver_version") + ")",
                   lacked.empty() ? why : lacked + "; " + why,
                   no_gpu_fix(n, c, rt),
                   {}});
  }
  if (has_gpu(n) && has_gpu(c) && get(nc, "gpu_uuid") != get(cc, "gpu_uuid"))
    out.push_back(
        {"different_gpu",
         "warning",
         "the container ran on a different GPU than the native side",
         get(nc, "gpu_name") + " " + get(nc, "gpu_uuid") + " " + get(nc, "gpu_pci_bus_id"),
         get(cc, "gpu_name") + " " + get(cc, "gpu_uuid") + " " + get(cc, "gpu_pci_bus_id"),
         "select the GPU with --gpus (its index, or its UUID from nvidia-smi -L): gpuparity "
         "then runs both sides on it",
         {}});
}

// A container libcuda that differs from the kernel module (or the native libcuda) while
// the GPU still works: every metric can move, so it explains whatever is degraded.
void libcuda_finding(const side_view& n, const side_view& c,
                     const std::map<std::string, std::string>& degraded, findings& out) {
  if (!has_gpu(c)) return;  // then no_gpu_in_container names it
  const auto& nc = n.context;
  const auto& cc = c.context;
  cause lib = libcuda_against_module(nc, cc);
  const std::string nv = get(nc, "env_libcuda_version"), cv = get(cc, "env_libcuda_version");
  if (lib.fix.empty() && !nv.empty() && nv != "unknown" && !cv.empty() && cv != "unknown" &&
      nv != cv)
    lib = {"libcuda " + cv,
           "mount the host driver's libcuda (NVIDIA Container Toolkit / CDI) "
           "instead of one baked into the image"};
  if (lib.fix.empty()) {
    if (get(nc, "env_libcuda_path") != get(cc, "env_libcuda_path") &&
        !get(cc, "env_libcuda_path").empty())
      out.other.push_back(
          {"libcuda path", get(nc, "env_libcuda_path"), get(cc, "env_libcuda_path")});
    return;
  }
  std::vector<std::string> explains;
  for (const auto& [name, cls] : degraded) explains.push_back(name);
  // A newer cuda-compat libcuda is NVIDIA's forward compatibility and works by design: with
  // nothing degraded it is a difference to list, not a warning.
  if (explains.empty()) {
    out.other.push_back({"libcuda against the kernel module",
                         get(nc, "env_libcuda_path") + " " + nv,
                         get(cc, "env_libcuda_path") + " " + cv + "; " + lib.evidence});
    return;
  }
  out.found.push_back(
      {"libcuda_version_mismatch", "warning",
       "the container loaded a libcuda whose version differs from the host driver's",
       get(nc, "env_libcuda_path") + " " + nv + " (NVML driver " +
           get(nc, "env_nvml_driver_version") + ", kernel module " +
           get(nc, "env_nvidia_kernel_module") + ")",
       get(cc, "env_libcuda_path") + " " + cv + "; " + lib.evidence, lib.fix, explains});
}

// Both sides in one mount namespace: the "container" command ran the workload on the host
// (a custom template that never starts a container, an engine wrapper that execs its
// command), so the run compares the host with itself and can prove nothing.
void same_namespace_finding(const side_view& n, const side_view& c, std::vector<finding>& out) {
  const std::string nm = get(n.context, "env_mnt_namespace"),
                    cm = get(c.context, "env_mnt_namespace");
  if (nm.empty() || nm == "unknown" || nm != cm) return;
  out.push_back({"container_not_isolated",
                 "error",
                 "the container side ran in the host's mount namespace: no container was started",
                 "mount namespace " + nm + ", PID namespace " + get(n.context, "env_pid_namespace"),
                 "mount namespace " + cm + ", PID namespace " + get(c.context, "env_pid_namespace"),
                 "check the runtime's command (--dry-run prints it): a --runtime-template must "
                 "start a container from {image}, not run {command} on the host",
                 {}});
}

}  // namespace

std::vector<finding> audit(const side_view& n, const side_view& c, const container_config& rt,
                           const std::map<std::string, std::string>& degraded,
                           const gpu_state& state) {
  std::vector<finding> out;
  same_namespace_finding(n, c, out);
  gpu_findings(n, c, rt, out);
  findings env;
  // The variables gpuparity set natively for --gpus are no difference of the container's
  // making: that both sides ran on the selected GPU is proven by its UUID (gpu_selection.hpp).
  context nvars = n.context, cvars = c.context;
  for (const auto& [name, value] : native_gpu_environment(rt.gpus))
    if (get(nvars, "env_var_" + name) == value) {
      nvars.erase("env_var_" + name);
      cvars.erase("env_var_" + name);
    }
  variable_rules(nvars, cvars, degraded, env);
  library_rules(n.context, c.context, degraded, env);
  libcuda_finding(n, c, degraded, env);
  resource_rules(n.context, c.context, degraded, env);
  multi_gpu_rules(n, c, degraded, env);
  device_node_rules(n.context, c.context, env);
  if (!c.context.empty()) out.insert(out.end(), env.found.begin(), env.found.end());
  // The GPU's own state holds for both sides, evidence or not; it explains only what no
  // difference between the sides does (a CPU quota stays a quota's), and comes after them.
  auto unexplained = degraded;
  for (const auto& f : out)
    for (const auto& m : f.explains) unexplained.erase(m);
  findings shared;
  gpu_state_rules(state, unexplained, shared);
  out.insert(out.end(), shared.found.begin(), shared.found.end());
  if (!c.context.empty()) order_and_collapse(out, env.other);
  return out;
}

std::vector<finding> audit_gpu_state(const gpu_state& state,
                                     const std::map<std::string, std::string>& degraded) {
  findings f;
  gpu_state_rules(state, degraded, f);
  return f.found;
}

}  // namespace gpuparity::harness
