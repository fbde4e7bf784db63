#include "runtime.hpp"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <sstream>

#include "text.hpp"

namespace gpuparity::harness {

const char* runtime_name(runtime_kind k) {
  switch (k) {
    case runtime_kind::docker:
      return "docker";
    case runtime_kind::podman:
      return "podman";
    case runtime_kind::apptainer:
      return "apptainer";
    case runtime_kind::custom:
      return "custom";
  }
  return "unknown";
}

std::optional<runtime_kind> parse_runtime(const std::string& name) {
  for (auto k :
       {runtime_kind::docker, runtime_kind::podman, runtime_kind::apptainer, runtime_kind::custom})
    if (name == runtime_name(k)) return k;
  return std::nullopt;
}

namespace {

// A template token: {image} and {name} stand for themselves; {gpus} is replaced also inside
// a token (NVIDIA_VISIBLE_DEVICES={gpus}, --device=nvidia.com/gpu={gpus}); the rest is
// literal.
std::string fill_token(const std::string& t, const container_config& c, const std::string& name) {
  if (t == "{image}") return c.image;
  if (t == "{name}") return name;
  std::string out = t;
  const std::string gpus = "{gpus}";
  for (auto p = out.find(gpus); p != std::string::npos; p = out.find(gpus, p + c.gpus.value.size()))
    out.replace(p, gpus.size(), c.gpus.value);
  return out;
}

}  // namespace

std::string runtime_executable(const container_config& c) {
  if (c.kind == runtime_kind::custom)
    return c.command_template.empty() ? "" : c.command_template[0];
  return c.engine.empty() ? runtime_name(c.kind) : c.engine;
}

std::vector<std::string> gpu_flags(const container_config& c) {
  if (!c.gpu_flags) return {};
  const bool all = c.gpus.kind == gpu_selection_kind::all;
  switch (c.kind) {
    case runtime_kind::docker:
      return {"--gpus", all ? "all" : "device=" + c.gpus.value};
    case runtime_kind::podman:  // a CDI device name: an index, or a UUID where the spec has it
      return {"--device", "nvidia.com/gpu=" + c.gpus.value};
    case runtime_kind::apptainer: {
      // --nv binds every GPU: the environment the native side gets selects the same one.
      std::vector<std::string> f = {"--nv"};
      for (const auto& [name, value] : native_gpu_environment(c.gpus))
        f.insert(f.end(), {"--env", name + "=" + value});
      return f;
    }
    case runtime_kind::custom:
      return {};
  }
  return {};
}

std::vector<std::string> container_command(const container_config& c, const std::string& name,
                                           const std::vector<std::string>& workload) {
  std::vector<std::string> cmd;
  const auto gpus = gpu_flags(c);
  switch (c.kind) {
    case runtime_kind::docker:
    case runtime_kind::podman:
      cmd = {runtime_executable(c), "run", "--rm", "--name", name};
      break;
    case runtime_kind::apptainer:
      cmd = {runtime_executable(c), "exec"};
      break;
    case runtime_kind::custom: {
      bool spliced = false;
      for (const auto& t : c.command_template) {
        if (t == "{command}") {
          cmd.insert(cmd.end(), workload.begin(), workload.end());
          spliced = true;
        } else {
          cmd.push_back(fill_token(t, c, name));
        }
      }
      if (!spliced) cmd.insert(cmd.end(), workload.begin(), workload.end());
      return cmd;
    }
  }
  cmd.insert(cmd.end(), gpus.begin(), gpus.end());
  cmd.insert(cmd.end(), c.extra.begin(), c.extra.end());
  cmd.push_back(c.image);
  cmd.insert(cmd.end(), workload.begin(), workload.end());
  return cmd;
}

std::vector<std::string> kill_command(const container_config& c, const std::string& name) {
  if (c.kind == runtime_kind::docker || c.kind == runtime_kind::podman)
    return {runtime_executable(c), "kill", name};
  std::vector<std::string> cmd;
  if (c.kind == runtime_kind::custom)
    for (const auto& t : c.kill_template) cmd.push_back(fill_token(t, c, name));
  return cmd;
}

std::vector<std::string> version_command(const container_config& c) {
  const std::string engine = runtime_executable(c);
  if (engine.empty()) return {};
  return {engine, "--version"};
}

std::string engine_version_number(const std::string& line) {
  // The first word that starts with a digit and has a dot: engines put their name (which a
  // wrapper may rename: podman.real) and the word "version" before it, a build after it.
  std::size_t at = 0;
  while (at < line.size()) {
    const auto end = std::min(line.find_first_of(" \t,", at), line.size());
    const std::string word = line.substr(at, end - at);
    if (!word.empty() && std::isdigit(static_cast<unsigned char>(word[0])) &&
        word.find('.') != std::string::npos)
      return word;
    at = end + 1;
  }
  return line;
}

std::vector<std::string> inspect_image_command(const container_config& c) {
  if (c.kind == runtime_kind::docker || c.kind == runtime_kind::podman)
    return {runtime_executable(c),           "image", "inspect", "--format",
            "{{.Id}} {{json .RepoDigests}}", c.image};
  if (c.kind == runtime_kind::apptainer && c.image.find("://") == std::string::npos)
    return {runtime_executable(c), "inspect", c.image};
  return {};
}

std::string engine_unreachable_fix(const std::string& engine, const std::string& error) {
  const auto has = [&error](const char* text) { return error.find(text) != std::string::npos; };
  if (has("permission denied") && (has("daemon socket") || has(".sock")))
    return "the user may not use " + engine +
           "'s socket: add it to the group that owns the socket (docker), use rootless mode, "
           "or run as a user who may";
  if (has("Cannot connect to the Docker daemon") || has("Is the docker daemon running") ||
      has("unable to connect to Podman socket") || has("Cannot connect to Podman"))
    return "start " + engine + "'s service (systemctl start " + engine +
           ", or dockerd/podman system service), or point DOCKER_HOST/CONTAINER_HOST at a "
           "running one";
  return "";
}

std::vector<passed_flag> flags_passed(const std::vector<std::string>& extra,
                                      std::initializer_list<const char*> names) {
  std::vector<passed_flag> out;
  for (std::size_t i = 0; i < extra.size(); ++i)
    for (const std::string name : names) {
      if (extra[i] == name) {
        const bool valued = i + 1 < extra.size();
        out.push_back({valued ? name + " " + extra[i + 1] : name, valued ? extra[i + 1] : ""});
      } else if (extra[i].rfind(name + "=", 0) == 0) {
        out.push_back({extra[i], extra[i].substr(name.size() + 1)});
      }
    }
  return out;
}

namespace {
// The limit an engine's error names: "RLIMIT_NPROC" as crun writes it, or runc's "rlimit
// type N" translated to Linux's name; "" when it names none.
std::string refused_rlimit(const std::string& error) {
  if (const auto at = error.find("RLIMIT_"); at != std::string::npos) {
    auto end = at + 7;
    while (end < error.size() && std::isupper(static_cast<unsigned char>(error[end]))) ++end;
    return error.substr(at, end - at);
  }
  static const char* const linux_names[] = {
      "RLIMIT_CPU",    "RLIMIT_FSIZE",   "RLIMIT_DATA",  "RLIMIT_STACK",      "RLIMIT_CORE",
      "RLIMIT_RSS",    "RLIMIT_NPROC",   "RLIMIT_NOFILE", "RLIMIT_MEMLOCK",   "RLIMIT_AS",
      "RLIMIT_LOCKS",  "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE", "RLIMIT_RTPRIO",
      "RLIMIT_RTTIME"};
  const std::string type = "rlimit type ";
  if (const auto at = error.find(type); at != std::string::npos) {
    const auto digits = at + type.size();
    std::size_t n = 0, end = digits;
    while (end < error.size() && end < digits + 3 &&
           std::isdigit(static_cast<unsigned char>(error[end])))
      n = n * 10 + static_cast<std::size_t>(error[end++] - '0');
    if (end > digits && n < std::size(linux_names)) return linux_names[n];
  }
  return "";
}
}  // namespace

std::string engine_rlimit_fix(const std::string& error, const std::vector<std::string>& extra) {
  // One line of the engine's error that is the refusal itself (crun: "setrlimit `RLIMIT_X`:
  // Operation not permitted", runc: "error setting rlimit type N: operation not
  // permitted"), not a mention of rlimits beside some other failure.
  std::string refusal;
  bool invalid = false;
  std::istringstream lines(error);
  for (std::string line; refusal.empty() && std::getline(lines, line);) {
    const std::string lower = ascii_lower(line);
    if (lower.find("setrlimit") == std::string::npos &&
        lower.find("error setting rlimit") == std::string::npos)
      continue;
    invalid = lower.find("invalid argument") != std::string::npos;
    if (invalid || lower.find("not permitted") != std::string::npos ||
        lower.find("permission denied") != std::string::npos)
      refusal = line;
  }
  if (refusal.empty()) return "";
  const std::string limit = refused_rlimit(refusal);
  // The flag that sets it: RLIMIT_NPROC -> nproc, as docker and podman name it.
  const std::string flag = limit.empty() ? "" : ascii_lower(limit.substr(7));
  std::string passed;
  bool this_one_passed = false;
  for (const auto& u : flags_passed(extra, {"--ulimit"})) {
    if (u.value.empty()) continue;
    passed += (passed.empty() ? "--ulimit " : ", --ulimit ") + u.value;
    this_one_passed = this_one_passed || (!flag.empty() && u.value.rfind(flag + "=", 0) == 0);
  }
  const std::string what = limit.empty() ? std::string("a resource limit") : limit;
  std::string fix = "the engine could not set " + what + " on the container's process";
  if (invalid)
    return fix + ": a soft limit above its hard limit, or an open-file limit above the "
                 "kernel's fs.nr_open; correct the value" +
           (passed.empty() ? std::string(" in the engine's default ulimits") : " (" + passed + ")");
  fix += ": a limit above the engine's own needs CAP_SYS_RESOURCE. ";
  // The engine's hard limit can be below the shell's: on the H100 machine crun refused
  // nproc=100000 under a shell hard limit of 515419 and set nproc=1000.
  const std::string may_set =
      " (at most the engine's own hard limit, which can be lower than your shell's "
      "`ulimit -H -a`: if that value is refused too, try a smaller one)";
  if (!flag.empty() && !this_one_passed)
    fix += "It was not passed: the engine added it itself (podman sets nofile and nproc to "
           "1048576 unless --ulimit gives them; docker its daemon's default-ulimits, "
           "podman's containers.conf default_ulimits)" +
           (passed.empty() ? std::string("") : ", beside " + passed) +
           ". Pass --ulimit " + flag + "=N:N with N a value the engine may set" + may_set +
           ", or run the engine with CAP_SYS_RESOURCE";
  else
    fix += "Lower " + (passed.empty() ? std::string("the limit") : passed) +
           " to a value the engine may set" + may_set + ", or run the engine with CAP_SYS_RESOURCE";
  return fix;
}

std::string engine_open_files_fix(const std::string& error, const std::vector<std::string>& extra) {
  if (error.find("Too many open files") == std::string::npos) return "";
  std::string passed;
  for (const auto& u : flags_passed(extra, {"--ulimit"}))
    if (u.value.rfind("nofile=", 0) == 0) passed = "--ulimit " + u.value;
  if (passed.empty()) return "";  // not the limit this run set: some other exhaustion
  return "the engine ran out of open files while it set the container up: the OCI runtime "
         "(crun) applies the container's open-file limit (" + passed + ") before it mounts "
         "the image's and the GPU's files, so a limit this low stops it before the workload "
         "starts; raise it (--ulimit nofile=1048576:1048576, or leave it out): CUDA itself "
         "fails under a few dozen descriptors";
}

bool template_passes_gpus(const std::vector<std::string>& tokens) {
  for (const auto& t : tokens)
    if (t.find("{gpus}") != std::string::npos) return true;
  return false;
}

std::vector<std::string> split_template(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string t; in >> t;) out.push_back(t);
  return out;
}

}  // namespace gpuparity::harness
