#pragma once
// `gpuparity run`'s command line: its options and help, and the checks that need several
// options at once, before run_parity (run.hpp) starts anything.
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

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

// Once `run` was parsed: the combined checks (exit_usage with a message on stderr), the
// output paths, then the run itself; its exit code.
int run_command(run_cli& v, int argc, char** argv);

}  // namespace gpuparity::harness
