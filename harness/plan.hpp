#pragma once
// The plan: which workload programs a trial runs, with which cases, and what one sample
// is. Most families are sampled once per trial (a trial is a fresh process running them);
// host-observed latency and startup are decided by the process as a whole (its CUDA
// context's placement, its CPU), so after the warm-up they run in their own invocation,
// fanned out over several fresh processes (gpuparity-bench --processes K), each a sample.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "run.hpp"

namespace gpuparity::harness {

struct program {
  std::string name;         // as on the container's PATH
  std::string native_path;  // the native executable
};

// One program invocation in a trial, with the cases it runs: `filter` is a Google Benchmark
// regex, "" for all of them (or the user's --filter); extra_args follow the user's.
struct planned_program {
  program prog;
  std::string filter;
  std::vector<std::string> extra_args;
  std::vector<std::string> cases;  // the cases `filter` names exactly (empty: every case)
  int processes = 0;               // > 0: each case run in this many fresh processes
};

std::vector<std::string> workload_argv(const planned_program& p, bool native, const run_options& o);

// The filter a run passes when the user gave none: every case but the node-wide families,
// peer/ (GPU-to-GPU copies) and nccl/ (collectives over every visible GPU), which need the
// whole node and belong to `gpuparity run --gpus all --filter '^(peer|nccl)/'`. A leading '-'
// negates a Google Benchmark filter.
inline constexpr const char* default_filter = "-^(peer|nccl)/";

// The user's --filter, or default_filter when there is none.
std::string run_filter(const run_options& o);

// One invocation per program with the user's filter: the warm-up's plan. Its samples are
// discarded, so gpuparity-bench runs each case as cheaply as it can (one startup child, one
// GEMM burst without the idle gap), except where the user's workload args set the same
// option: every case still runs once, in a fresh process, to name the cases each side
// measures and to load what later trials load.
std::vector<planned_program> warm_up_plan(const std::vector<program>& programs,
                                          const run_options& o);

// Whether a case's sample is one process (host-observed latency, startup) rather than one
// trial: latency/launch, latency/graph_launch, latency/memcpy_h2d_small, startup/*.
bool process_unit(const std::string& case_name);

// program -> family ("gemm" of "gemm/cublaslt/fp16/8192") -> the cases measured in it.
using case_map = std::map<std::string, std::map<std::string, std::set<std::string>>>;

// The trials after the warm-up: per program, the measured cases of `families` (every
// family when null), named exactly (so within the user's --filter), in their usual
// order; with o.processes_per_trial = K > 0 the process-unit cases in a second invocation
// with `--processes K --startup-trials 1` (unless o.workload_args set --startup-trials).
// Programs with no case left are left out.
// open_cases (with families): process-unit cases run in their own invocation, so they are
// focused one by one: only those with an open deciding metric run again.
std::vector<planned_program> split_plan(
    const std::vector<program>& programs, const case_map& cases,
    const std::map<std::string, std::set<std::string>>* families, const run_options& o,
    const std::set<std::string>* open_cases = nullptr);

}  // namespace gpuparity::harness
