#pragma once
// --processes K: the selected cases run in K fresh processes of this program, one after
// the other, and their Google Benchmark JSON is merged into one document whose runs carry
// "process_index". For what a process decides as a whole (host launch latency, startup:
// its context's placement, its CPU), the process is the unit of replication: K cheap
// processes in one trial are K samples, where repetitions inside one process are one.
#include <string>
#include <vector>

#include "error_document.hpp"

namespace gpuparity {

// The value of --processes (and the argv without it); 1 when absent. Throws
// std::invalid_argument for a value that is not a whole number in 1..1000.
int processes_option(std::vector<std::string>& args);

// Runs `args` (argv without --processes) `processes` times through /proc/self/exe with
// JSON on stdout, merges the documents, emits the result as the flags ask and returns the
// worst exit code of the processes (a process that wrote no JSON makes the whole an error).
int run_fanned_out(const std::vector<std::string>& args, int processes, const output_flags& flags,
                   const char* program);

}  // namespace gpuparity
