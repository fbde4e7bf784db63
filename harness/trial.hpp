#pragma once
// Trials: one side's fresh processes of the planned programs, run and supervised (the
// container started, killed on a timeout), their output parsed; and the report's record
// of each.
#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "plan.hpp"
#include "process.hpp"
#include "run.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

struct program_run {
  std::string program;
  std::vector<std::string> command;
  process_result proc;
  workload_output out;
};

struct trial {
  int index = 0;  // per side, from 0 (the warm-up)
  bool container = false;
  std::vector<program_run> runs;
  double start_cost_s = 0.0;  // a no-op started the same way
  double wall_s = 0.0;
  double t_start = 0.0, t_end = 0.0;  // seconds since the run started
  std::uint64_t throttling = 0;       // NVML throttling reasons seen during the trial
  std::string error;                  // why this trial makes the run an error ("" if fine)
};

std::string first_line(const std::string& s);
std::string tail_of(const std::string& s, std::size_t n = 2000);

class runner {
 public:
  runner(const run_options& o, std::chrono::steady_clock::time_point origin)
      : o_(o), origin_(origin) {}

  // The command of one side: the workload itself, or the container command around it.
  std::vector<std::string> side_command(bool container, int id,
                                        const std::vector<std::string>& workload) const;
  std::string container_name(int id) const;
  // What a side's commands get on top of gpuparity's environment: the native side (both
  // sides of an A/A run) is told the --gpus selection; the container gets its flags.
  environment_list side_environment(bool container) const;

  // Runs one command on a side (`command`, when given, gets the argv that ran); a
  // container whose client was killed is also killed by name.
  process_result run(bool container, const std::vector<std::string>& workload,
                     std::vector<std::string>* command = nullptr);

  // A no-op started the same way (the start cost), then each planned program; stops at
  // the first program that makes the trial an error.
  trial run_trial(bool container, int index, const std::vector<planned_program>& programs);

 private:
  static std::string error_of(const program_run& pr);

  const run_options& o_;
  std::chrono::steady_clock::time_point origin_;
  int sequence_ = 0;
};

// The report's record of one trial.
nlohmann::ordered_json trial_json(const trial& t);

// Every case any trial measured, per program and family.
case_map measured_cases(const std::vector<trial>& trials);

}  // namespace gpuparity::harness
