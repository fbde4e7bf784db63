// gpuparity: runs the workloads natively and in a container and decides, per metric,
// whether the container is equivalent to bare metal. Exit codes: run.hpp, README.md.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <climits>
#include <iostream>

#include "gpuparity/version.hpp"
#include "run.hpp"

namespace {

std::string self_path(const char* argv0) {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : argv0;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace gpuparity::harness;
  CLI::App app("gpuparity: proves a GPU runs as fast in a container as on bare metal", "gpuparity");
  app.set_version_flag("--version",
                       std::string(gpuparity::version) + " (" + gpuparity::git_revision + ")");
  app.require_subcommand(1);

  run_options o;
  std::string runtime = "docker", runtime_template;
  std::string shm_size, ipc, cpus;
  std::vector<std::string> ulimits;
  auto* run = app.add_subcommand("run", "interleave native and container trials and judge parity");
  run->add_option("--image", o.container.image, "container image with the workload programs");
  run->add_option("--runtime", runtime, "docker, podman, apptainer or custom (default docker)")
      ->check(CLI::IsMember({"docker", "podman", "apptainer", "custom"}));
  run->add_option("--engine", o.container.engine,
                  "the runtime's executable (default: its name on PATH)");
  run->add_option("--runtime-template", runtime_template,
                  "custom runtime's run command: tokens, with {image}, {name}, {command}");
  run->add_option("--gpus", o.container.gpus,
                  "GPUs for the container: all, or indices like 0 or 0,1");
  run->add_flag(
      "--no-gpu-flags", [&o](std::int64_t) { o.container.gpu_flags = false; },
      "add no GPU flags (pass your own with --container-arg)");
  run->add_option("--container-arg", o.container.extra,
                  "a flag for the runtime's run command (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--shm-size", shm_size, "container /dev/shm size (runtime --shm-size)");
  run->add_option("--ipc", ipc, "container IPC mode (runtime --ipc)");
  run->add_option("--cpus", cpus, "container CPU quota (runtime --cpus)");
  run->add_option("--ulimit", ulimits, "container rlimit, e.g. memlock=-1:-1 (repeatable)")
      ->allow_extra_args(false);
  run->add_flag("--native-vs-native", o.native_vs_native, "A/A run: both sides bare metal");
  run->add_option("--bench", o.bench_path, "native gpuparity-bench (default: next to gpuparity)");
  run->add_option("--torch", o.torch_path, "native gpuparity-torch (default: next to gpuparity)");
  run->add_option("--programs", o.programs, "auto, bench, torch or bench,torch (default auto)")
      ->check(CLI::IsMember({"auto", "bench", "torch", "bench,torch"}));
  run->add_option("--filter", o.filter, "workload cases to run (Google Benchmark regex)");
  run->add_option("--workload-arg", o.workload_args,
                  "a flag for the workload programs (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--budget", o.budget_s, "seconds of trials (default 120)")
      ->check(CLI::PositiveNumber);
  run->add_option("--min-trials", o.min_trials,
                  "measured trials per side before stopping (default 3)")
      ->check(CLI::Range(2, 1000));
  run->add_option("--max-trials", o.max_trials, "most measured trials per side (default 40)")
      ->check(CLI::Range(2, 1000));
  run->add_option("--trial-timeout", o.trial_timeout_s,
                  "seconds before a workload is killed (default 300)")
      ->check(CLI::PositiveNumber);
  run->add_option("--margin-bandwidth", o.margin_bandwidth, "equivalence margin (default 0.02)")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("--margin-compute", o.margin_compute, "equivalence margin (default 0.02)")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("--margin-latency", o.margin_latency, "equivalence margin (default 0.05)")
      ->check(CLI::Range(0.0, 1.0));
  run->add_option("-o,--output", o.output, "report path (default gpuparity-report.json)");
  run->add_flag("--dry-run", o.dry_run, "print the commands and stop");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "gpuparity: " << e.what() << "; see gpuparity run --help\n";
    return exit_usage;
  }
  o.container.kind = *parse_runtime(runtime);
  o.container.command_template = split_template(runtime_template);
  if (o.container.kind == runtime_kind::custom && o.container.command_template.empty()) {
    std::cerr << "gpuparity: --runtime custom needs --runtime-template, e.g. "
                 "\"enroot start --root {image} {command}\"\n";
    return exit_usage;
  }
  if (!o.native_vs_native && o.container.image.empty() && !o.dry_run) {
    std::cerr << "gpuparity: run needs --image IMAGE (or --native-vs-native for an A/A run)\n";
    return exit_usage;
  }
  if (!shm_size.empty()) o.container.extra.push_back("--shm-size=" + shm_size);
  if (!ipc.empty()) o.container.extra.push_back("--ipc=" + ipc);
  if (!cpus.empty()) o.container.extra.push_back("--cpus=" + cpus);
  for (const auto& u : ulimits) o.container.extra.push_back("--ulimit=" + u);
  if (o.min_trials > o.max_trials) {
    std::cerr << "gpuparity: --min-trials is larger than --max-trials\n";
    return exit_usage;
  }
  o.argv.assign(argv, argv + argc);
  o.self_path = self_path(argv[0]);
  return run_parity(o);
}
