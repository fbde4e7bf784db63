#pragma once
// How each container runtime is asked to run a workload with the GPU: argv vectors only.
#include <optional>
#include <initializer_list>
#include <string>
#include <vector>

#include "gpu_selection.hpp"

namespace gpuparity::harness {

enum class runtime_kind { docker, podman, apptainer, custom };

const char* runtime_name(runtime_kind k);
std::optional<runtime_kind> parse_runtime(const std::string& name);

struct container_config {
  runtime_kind kind = runtime_kind::docker;
  std::string engine;              // the executable; default: the runtime's own name
  std::string image;               // image reference (apptainer: a .sif file or docker://...)
  gpu_selection gpus;              // --gpus: all, one device index or one GPU UUID
  bool gpu_flags = true;           // false: add no GPU flags (the user passes their own)
  std::vector<std::string> extra;  // flags passed through to the runtime's run command
  // custom runtime: the run command as tokens; {image}, {name}, {gpus} (the --gpus
  // selection: all, an index or a UUID; also inside a token) and {command} (the workload
  // argv, spliced in) are replaced. Without {command} it is appended.
  std::vector<std::string> command_template;
  // custom runtime: the command that stops a hung container, tokens with {name} and
  // {image} replaced ("docker kill {name}", "ctr task kill -s SIGKILL {name}"); empty: none.
  std::vector<std::string> kill_template;
};

// The runtime's executable: --engine, else its name; a custom template's first token
// ("" without a template).
std::string runtime_executable(const container_config& c);

// The runtime's flags that pass the selected GPU in (every GPU for `all`): docker
// --gpus device=SEL, podman --device nvidia.com/gpu=SEL (CDI), apptainer --nv with
// CUDA_VISIBLE_DEVICES=SEL passed in; none for a custom runtime (its template's {gpus}).
// Docker and podman hide the other GPUs, so the workload's device 0 is the selected one.
std::vector<std::string> gpu_flags(const container_config& c);

// The full command that runs `workload` (program name and arguments) in the container
// named `name` (docker and podman name it so a timeout can kill it).
std::vector<std::string> container_command(const container_config& c, const std::string& name,
                                           const std::vector<std::string>& workload);

// Commands that stop a named container after a timeout (a custom runtime's is its kill
// template; empty if there is none), ask for the runtime's version, and check that the
// image exists locally.
std::vector<std::string> kill_command(const container_config& c, const std::string& name);
std::vector<std::string> version_command(const container_config& c);

// The version number in an engine's `--version` line ("Docker version 24.0.7, build x" ->
// "24.0.7", "podman.real version 4.3.1" -> "4.3.1"); the line itself when it holds none.
std::string engine_version_number(const std::string& version_line);
std::vector<std::string> inspect_image_command(const container_config& c);

// When the runtime's own error says it cannot reach its daemon or socket (docker,
// podman --remote), what to do about it; "" for other errors.
std::string engine_unreachable_fix(const std::string& engine, const std::string& error);

// A flag among a runtime's extra flags, each time it was passed: as written ("--memory=256m",
// "-m 256m") and its value ("256m"; "" for a last flag without one).
struct passed_flag {
  std::string as_written, value;
};
std::vector<passed_flag> flags_passed(const std::vector<std::string>& extra,
                                      std::initializer_list<const char*> names);

// When the runtime's own error says it could not set a resource limit on the container's
// process (crun: "setrlimit `RLIMIT_NPROC`: Operation not permitted"; runc: "error setting
// rlimit type 7: operation not permitted"), what to do about it, naming the limit and the
// --ulimit flags among `extra`; "" for other errors.
std::string engine_rlimit_fix(const std::string& error, const std::vector<std::string>& extra);

// When the runtime ran out of open files setting the container up under the --ulimit
// nofile= among `extra` (crun: "openat2 `usr/local`: Too many open files"), what to do; ""
// otherwise (no such words, or no open-file limit passed).
std::string engine_open_files_fix(const std::string& error, const std::vector<std::string>& extra);

// Whether a custom template has a {gpus} token (or one inside a token).
bool template_passes_gpus(const std::vector<std::string>& tokens);

// Splits a template on whitespace: "enroot start {image} {command}".
std::vector<std::string> split_template(const std::string& text);

}  // namespace gpuparity::harness
