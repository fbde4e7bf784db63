#include "plan.hpp"

#include <algorithm>

namespace gpuparity::harness {
namespace {

// Characters a POSIX extended regular expression gives a meaning.
std::string regex_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (std::string("\\^$.|?*+()[]{}").find(c) != std::string::npos) r += '\\';
    r += c;
  }
  return r;
}

std::string exactly(const std::vector<std::string>& cases) {
  std::string alternatives;
  for (const auto& c : cases) alternatives += (alternatives.empty() ? "" : "|") + regex_escape(c);
  return "^(" + alternatives + ")(/.*)?$";
}

// Whether the user's workload args set this option (as "--flag value" or "--flag=value").
bool user_sets(const std::vector<std::string>& args, const std::string& flag) {
  return std::any_of(args.begin(), args.end(), [&flag](const std::string& a) {
    return a == flag || a.rfind(flag + "=", 0) == 0;
  });
}

}  // namespace

std::vector<std::string> workload_argv(const planned_program& p, bool native,
                                       const run_options& o) {
  std::vector<std::string> a = {native ? p.prog.native_path : p.prog.name,
                                "--benchmark_format=json"};
  a.push_back("--benchmark_filter=" + (p.filter.empty() ? run_filter(o) : p.filter));
  a.insert(a.end(), o.workload_args.begin(), o.workload_args.end());
  a.insert(a.end(), p.extra_args.begin(), p.extra_args.end());
  return a;
}

std::string run_filter(const run_options& o) {
  return o.filter.empty() ? default_filter : o.filter;
}

std::vector<planned_program> warm_up_plan(const std::vector<program>& programs,
                                          const run_options& o) {
  static const std::vector<std::pair<std::string, std::string>> cheap = {
      {"--startup-trials", "1"},
      {"--gemm-bursts", "1"},
      {"--gemm-idle-seconds", "0"},
      {"--copy-buffer-sets", "1"}};
  std::vector<planned_program> plan;
  for (const auto& p : programs) {
    std::vector<std::string> extra;
    if (p.name == "gpuparity-bench")
      for (const auto& [flag, value] : cheap)
        if (!user_sets(o.workload_args, flag)) extra.insert(extra.end(), {flag, value});
    plan.push_back({p, "", extra, {}, 0});
  }
  return plan;
}

bool process_unit(const std::string& case_name) {
  return case_name.rfind("startup/", 0) == 0 || round_trip_case(case_name);
}

// A GEMM's rate depends on what ran before it in its process, so cases keep their usual
// order (the families' order in the map is alphabetical, the programs' own is kept by
// Google Benchmark, which runs the matched cases in registration order).
std::vector<planned_program> split_plan(
    const std::vector<program>& programs, const case_map& cases,
    const std::map<std::string, std::set<std::string>>* families, const run_options& o,
    const std::set<std::string>* open_cases) {
  const int processes = o.processes_per_trial;
  std::vector<planned_program> plan;
  for (const auto& p : programs) {
    const auto measured = cases.find(p.name);
    if (measured == cases.end()) continue;
    std::vector<std::string> per_trial, per_process;
    for (const auto& [family, names] : measured->second) {
      if (families) {
        const auto open = families->find(p.name);
        if (open == families->end() || !open->second.count(family)) continue;
      }
      for (const auto& c : names) {
        const bool own = processes > 0 && process_unit(c);
        if (own && open_cases && !open_cases->count(c)) continue;  // settled: not run again
        (own ? per_process : per_trial).push_back(c);
      }
    }
    if (!per_trial.empty()) plan.push_back({p, exactly(per_trial), {}, per_trial, 0});
    if (!per_process.empty()) {
      // One startup child per process (each process a sample), unless the user chose.
      std::vector<std::string> extra;
      if (!user_sets(o.workload_args, "--startup-trials")) extra = {"--startup-trials", "1"};
      if (processes > 1) extra.insert(extra.end(), {"--processes", std::to_string(processes)});
      plan.push_back({p, exactly(per_process), extra, per_process, processes});
    }
  }
  return plan;
}

}  // namespace gpuparity::harness
