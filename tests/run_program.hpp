#pragma once
// Test helper: a program run as a user would run it, through the harness's own process
// runner (argv vector, no shell, extra environment, timeout).
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "process.hpp"

namespace gpuparity::test {

struct program_result {
  int exit_code = -1;  // -1: killed by the timeout or a signal
  std::string out, err;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

inline program_result run_program(const std::vector<std::string>& args,
                                  const std::vector<std::pair<std::string, std::string>>& env = {},
                                  int timeout_s = 120) {
  const auto r = harness::run_process(args, timeout_s, env);
  return {r.timed_out ? -1 : r.exit_code, r.out, r.err};
}

}  // namespace gpuparity::test
