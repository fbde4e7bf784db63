#pragma once
// `gpuparity fleet`'s command line (fleet.hpp does the work).
#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "fleet.hpp"

namespace gpuparity::harness {

struct fleet_cli {
  std::vector<std::string> inputs;
  std::string out, markdown, junit, prom, html;
  fleet_options o;
};

CLI::App* add_fleet_command(CLI::App& app, fleet_cli& v);

// Once `fleet` was parsed: reads every report, writes the document and renderings; the
// fleet's exit code (exit_error when an output cannot be written or no report was found).
int fleet_command(const fleet_cli& v, int argc, char** argv);

}  // namespace gpuparity::harness
