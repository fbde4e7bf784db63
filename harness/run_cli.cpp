#include "run_cli.hpp"

#include <unistd.h>

#include <climits>
#include <iostream>

#include "cli_common.hpp"
#include "gpu_selection.hpp"
#include "interrupt.hpp"
#include "output_path.hpp"

namespace gpuparity::harness {

std::string self_path(const char* argv0) {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : argv0;
}

namespace {

const char* const run_examples = R"(Examples:
  gpuparity run --image gpuparity/prebuilt:0.1.0 -o report.json
      docker (the default runtime) against bare metal, at most 180 s of trials
  gpuparity run --runtime podman --image gpuparity/prebuilt:0.1.0 --gpus 1 --budget 300
      podman (CDI), on GPU 1 as nvidia-smi numbers it, five minutes of trials
  gpuparity run --native-vs-native -o aa.json
      A/A run: both sides bare metal (no image), the tool's own false-alarm check
  gpuparity run --image IMAGE --baseline baseline.json --junit junit.xml --quiet
      a CI job: also gate against a baseline, JUnit for the CI, no progress lines
  gpuparity run --image IMAGE --dry-run
      print every command the run would start, and stop

Exit codes: 0 parity, 1 degraded, 2 usage, 3 inconclusive, 4 error, 5 not comparable
with --baseline, 129/130/143 interrupted by SIGHUP/SIGINT/SIGTERM. Details: docs/run.md.
)";

}  // namespace

void add_run_options(CLI::App* run, run_cli& v) {
  run_options& o = v.o;
  run->add_option("--image", o.container.image,
                  "REQUIRED for a container run (not with --native-vs-native): the container "
                  "image with the workload programs (apptainer: a .sif or docker://...)");
  run->add_option("--runtime", v.runtime, "docker, podman, apptainer or custom (default docker)")
      ->check(CLI::IsMember({"docker", "podman", "apptainer", "custom"}));
  run->add_option("--engine", o.container.engine,
                  "the runtime's executable (default: its name on PATH)");
  run->add_option("--runtime-template", v.runtime_template,
                  "custom runtime's run command: tokens, with {image}, {name}, {command}");
  run->add_option("--runtime-kill-template", v.kill_template,
                  "custom runtime's command that stops a hung container: tokens, with {name}, "
                  "{image}");
  run->add_flag(
      "--no-gpu-flags", [&o](std::int64_t) { o.container.gpu_flags = false; },
      "add no GPU flags (pass your own with --container-arg)");
  run->add_option("--container-arg", o.container.extra,
                  "a flag for the runtime's run command (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--shm-size", v.shm_size, "container /dev/shm size (runtime --shm-size)");
  run->add_option("--ipc", v.ipc, "container IPC mode (runtime --ipc)");
  run->add_option("--cpus", v.cpus, "container CPU quota (runtime --cpus)");
  run->add_option("--ulimit", v.ulimits, "container rlimit, e.g. memlock=-1:-1 (repeatable)")
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
  run->add_option("--budget", o.budget_s,
                  "seconds of trials (default 180; a healthy run ends when every metric is "
                  "settled)")
      ->check(seconds_check);
  run->add_option("--min-trials", o.min_trials,
                  "measured trials per side before stopping (default 3)")
      ->check(CLI::Range(2, 1000));
  run->add_option("--max-trials", o.max_trials, "most measured trials per side (default 40)")
      ->check(CLI::Range(2, 1000));
  run->add_option("--trial-timeout", o.trial_timeout_s,
                  "seconds before a workload is killed (default 300)")
      ->check(seconds_check);
  add_margin_options(run, o.margins);
  run->add_option("--baseline", o.baseline,
                  "also compare the container side with this baseline (gpuparity baseline)");
  run->add_flag(
      "--no-telemetry", [&o](std::int64_t) { o.telemetry = false; },
      "do not sample the GPU through NVML during the trials");
  run->add_option("--planned-trials", o.planned_trials,
                  "measured trials per side at the sequential rule's last look (default: as "
                  "many as the budget holds at the first measured pair's cost; at least 4)")
      ->check(CLI::Range(min_planned_trials, 1000));
  run->add_option("--processes-per-trial", o.processes_per_trial,
                  "fresh processes per trial for host latency and startup, each one sample "
                  "(default 4; 0: they run inside the trial's process)")
      ->check(CLI::Range(0, 64));
  run->add_flag(
      "--no-focus", [&o](std::int64_t) { o.focus = false; },
      "every trial runs every case (default: after a look that settled a metric, only the "
      "families of cases with an undecided metric)");
  run->add_flag("--dry-run", o.dry_run,
                "print every command a run would start and stop (writes no file; a missing "
                "engine is a warning)");
  add_quiet_flag(run, o.quiet);
}

CLI::App* add_run_command(CLI::App& app, run_cli& v) {
  run_options& o = v.o;
  auto* run = app.add_subcommand(
      "run",
      "interleave native and container trials and judge parity. --image is required, except "
      "with --native-vs-native (both sides bare metal)");
  add_run_options(run, v);
  run->add_option("--gpus", v.gpus,
                  "the GPU both sides run on: all (default: device 0 on each side), a device "
                  "index (1) or a GPU UUID (GPU-...); one GPU per run (every GPU of a node: "
                  "gpuparity node)");
  run->add_option("-o,--output", o.output,
                  "report path (default gpuparity-report.json); a file, never '-': the summary "
                  "goes to stdout and the report is written atomically");
  run->add_option("--junit", o.junit, "also write JUnit XML here");
  run->add_option("--prom", o.prometheus, "also write the Prometheus text format here");
  run->footer(run_examples);
  return run;
}

int check_run_options(run_cli& v, const gpu_selection& gpus) {
  run_options& o = v.o;
  o.container.kind = *parse_runtime(v.runtime);
  o.container.command_template = split_template(v.runtime_template);
  o.container.kill_template = split_template(v.kill_template);
  if (!o.container.kill_template.empty() && o.container.kind != runtime_kind::custom) {
    std::cerr << "gpuparity: --runtime-kill-template is for --runtime custom (docker and podman "
                 "containers are stopped by name, apptainer's with its process group)\n";
    return exit_usage;
  }
  if (o.container.kind == runtime_kind::custom && o.container.command_template.empty()) {
    std::cerr << "gpuparity: --runtime custom needs --runtime-template, e.g. "
                 "\"enroot start --root {image} {command}\"\n";
    return exit_usage;
  }
  o.container.gpus = gpus;
  if (o.container.kind == runtime_kind::custom && !o.native_vs_native &&
      o.container.gpus.kind != gpu_selection_kind::all &&
      !template_passes_gpus(o.container.command_template)) {
    std::cerr << "gpuparity: --gpus " << v.gpus
              << " with --runtime custom: the native side runs on that GPU, but the template "
                 "does not pass it to the container: put {gpus} where the runtime takes it, e.g. "
                 "\"enroot start -e NVIDIA_VISIBLE_DEVICES={gpus} {image} {command}\"\n";
    return exit_usage;
  }
  if (!o.native_vs_native && o.container.image.empty()) {
    std::cerr << "gpuparity: run needs --image IMAGE (or --native-vs-native for an A/A run)\n";
    return exit_usage;
  }
  if (!v.shm_size.empty()) o.container.extra.push_back("--shm-size=" + v.shm_size);
  if (!v.ipc.empty()) o.container.extra.push_back("--ipc=" + v.ipc);
  if (!v.cpus.empty()) o.container.extra.push_back("--cpus=" + v.cpus);
  for (const auto& u : v.ulimits) o.container.extra.push_back("--ulimit=" + u);
  if (o.min_trials > o.max_trials) {
    std::cerr << "gpuparity: --min-trials is larger than --max-trials\n";
    return exit_usage;
  }
  if (o.planned_trials > o.max_trials) {
    std::cerr << "gpuparity: --planned-trials is larger than --max-trials: raise --max-trials "
                 "(the plan could never be reached)\n";
    return exit_usage;
  }
  return 0;
}

int run_command(run_cli& v, int argc, char** argv) {
  run_options& o = v.o;
  try {
    if (const int code = check_run_options(v, parse_gpu_selection(v.gpus))) return code;
  } catch (const std::invalid_argument& e) {
    std::cerr << "gpuparity: " << e.what() << "\n";
    return exit_usage;
  }
  // Outputs before anything runs: a run never measures for minutes and then cannot write.
  if (!o.dry_run) {
    const auto problem = check_output_paths(
        {{"-o", o.output}, {"--junit", o.junit}, {"--prom", o.prometheus}},
        {{"--baseline", o.baseline}, {"--bench", o.bench_path}, {"--torch", o.torch_path}}, false,
        "run prints its summary there, and writes its report atomically to a file");
    if (const int code = refused(problem, "")) return code;
  }
  o.argv.assign(argv, argv + argc);
  o.self_path = self_path(argv[0]);
  // Only `run` starts children that must not outlive it; a dry run starts none.
  if (!o.dry_run) install_interrupt_handlers();
  return run_parity(o);
}

}  // namespace gpuparity::harness
