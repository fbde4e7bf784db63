#pragma once
// What the gpuparity subcommands' command lines share: validators, the margin options,
// --quiet, and how a refused output path or a parse error is printed.
#include <CLI/CLI.hpp>
#include <string>

#include "output_path.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

// A margin of 1 (meant as 1%) would make degraded and regression impossible verdicts.
extern const CLI::Validator margin_check;
// 10^7 s (~116 days) is far beyond any run, and far below where the process runner's
// deadline (int64 milliseconds) overflows, as 1e300 would.
extern const CLI::Validator seconds_check;

void add_margin_options(CLI::App* app, class_margins& m);

// --quiet: no progress lines on stderr; warnings and errors still print.
void add_quiet_flag(CLI::App* app, bool& quiet);

// Prints a path problem; its exit code, 0 when there is none.
int refused(const path_problem& p, const std::string& command);

// Prints a parse error with the help of the subcommand it concerns ("gpuparity run --help"
// for a flag `run` does not know); exit_usage.
int parse_failed(const CLI::App& app, const CLI::ParseError& e);

}  // namespace gpuparity::harness
