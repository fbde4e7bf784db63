#pragma once
// `gpuparity run`'s command line: its options and help, and the checks that need several
// options at once, before run_parity (run.hpp) starts anything.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "gpu_selection.hpp"
#include "run.hpp"

namespace gpuparity::harness {

// What the options fill in, before they become run_options.
struct run_cli {
  run_options o;
  std::string runtime = "docker", runtime_template, kill_template, gpus = "all";
  std::string shm_size, ipc, cpus;
  std::vector<std::string> ulimits;
};

CLI::App* add_run_command(CLI::App& app, run_cli& v);

// The options `run` and `node` share: all of run's but --gpus, -o, --junit and --prom.
void add_run_options(CLI::App* sub, run_cli& v);

// The checks that need several options at once, for GPU selection `gpus`: 0, or exit_usage
// with a message on stderr. Fills in v.o's container from the runtime options.
int check_run_options(run_cli& v, const gpu_selection& gpus);

// This executable (/proc/self/exe), to find the workload programs next to it.
std::string self_path(const char* argv0);

// Once `run` was parsed: the combined checks (exit_usage with a message on stderr), the
// output paths, then the run itself; its exit code.
int run_command(run_cli& v, int argc, char** argv);

}  // namespace gpuparity::harness
