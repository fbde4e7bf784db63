#pragma once
// One process per GPU for the NCCL collective cases: the ranks are spawned in a process group
// of their own, rank 0 makes the communicator's unique id and prints it, and this process
// hands that line to every other rank on its standard input. Every wait has a deadline: on
// timeout, on a rank that fails, or on any error here the whole group is killed (SIGKILL to
// the group) and reaped. Needs no NCCL: tested on the CPU with scripts as ranks
// (tests/bench/rank_group_test.cpp).
#include <sys/types.h>

#include <string>
#include <vector>

namespace gpuparity {

// What a rank prints on stdout, one line each; other lines (NCCL_DEBUG prints to stdout)
// are ignored:
//   gpuparity_unique_id <hex>             rank 0, first: the id the other ranks read on stdin
//   gpuparity_samples <s> <s> ...         seconds of each timed iteration
//   gpuparity_nccl_version <code>         the NCCL loaded (ncclGetVersion: 22703 is 2.27.3)
//   gpuparity_status <status>[: message]  last: passed, incorrect, failed, not_supported
inline constexpr const char* unique_id_tag = "gpuparity_unique_id";
inline constexpr const char* samples_tag = "gpuparity_samples";
inline constexpr const char* status_tag = "gpuparity_status";
inline constexpr const char* nccl_version_tag = "gpuparity_nccl_version";  // NCCL's version code

struct rank_group_spec {
  std::string executable;                      // every rank runs it (/proc/self/exe)
  std::vector<std::vector<std::string>> argv;  // one per rank, argv[0] included
  std::vector<std::string> environment;        // NAME=value set for every rank (over environ)
  double deadline_s = 180.0;                   // from the first spawn to the last rank reaped
};

struct rank_outcome {
  pid_t pid = 0;
  int exit_code = -1;  // -1: killed by a signal
  int signal = 0;      // the signal that ended it, if any
  std::string out;     // its stdout (at most out_limit_bytes)
};

struct rank_group_result {
  std::vector<rank_outcome> ranks;
  bool timed_out = false;
  std::string error;  // "" when every rank exited 0; else the first thing that went wrong
};

inline constexpr std::size_t out_limit_bytes = 1 << 20;

// Runs the group to the end (or its deadline) and never leaves a rank behind. Throws
// std::runtime_error only when the first rank cannot be spawned; any later failure is in
// `error`, with the group killed.
rank_group_result run_rank_group(const rank_group_spec& spec);

// environ with `overrides` (NAME=value) replacing or adding variables.
std::vector<std::string> merged_environment(char** base, const std::vector<std::string>& overrides);

// A rank's report read from its stdout.
struct rank_report {
  bool has_status = false;
  std::string status;   // "passed", "incorrect", "failed", "not_supported"
  std::string message;  // after "status: "
  std::vector<double> samples;
  std::string unique_id;  // hex, rank 0 only
  long nccl_version = 0;
};
rank_report parse_rank_report(const std::string& out);

// The group's time per iteration: the slowest rank's (a collective ends when its last rank
// does). Throws std::invalid_argument when the ranks report different counts or none.
std::vector<double> slowest_rank_samples(const std::vector<std::vector<double>>& per_rank);

std::string to_hex(const void* data, std::size_t bytes);
// Throws std::invalid_argument unless `hex` is exactly 2 * bytes hexadecimal digits.
void from_hex(const std::string& hex, void* data, std::size_t bytes);

}  // namespace gpuparity
