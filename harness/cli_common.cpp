#include "cli_common.hpp"

#include <cmath>
#include <cstdlib>
#include <iostream>

#include "run.hpp"

namespace gpuparity::harness {

namespace {

// A number strictly between low and high, finite, and nothing else: CLI11's Range and
// PositiveNumber let "nan" through (every comparison with it is false).
CLI::Validator finite_between(double low, double high, const std::string& rule,
                              const std::string& shown) {
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double v = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !std::isfinite(v) || !(v > low) || !(v < high))
          return text + " is not " + rule;
        return "";
      },
      shown);
}

}  // namespace

const CLI::Validator margin_check =
    finite_between(0.0, 0.5, "a margin: give a fraction above 0 and below 0.5 (0.01 means 1%)",
                   "FRACTION in (0, 0.5)");
const CLI::Validator seconds_check = finite_between(
    0.0, 1e7, "a number of seconds: give a positive number below 10000000", "SECONDS");

void add_margin_options(CLI::App* app, class_margins& m) {
  app->add_option("--margin-bandwidth", m.bandwidth, "equivalence margin (default 0.02)")
      ->check(margin_check);
  app->add_option("--margin-compute", m.compute, "equivalence margin (default 0.02)")
      ->check(margin_check);
  app->add_option("--margin-latency", m.latency, "equivalence margin (default 0.05)")
      ->check(margin_check);
  app->add_option("--margin-round-trip", m.round_trip,
                  "margin for host-observed round trips: latency/launch, graph_launch, "
                  "memcpy_h2d_small (default 0.10)")
      ->check(margin_check);
  app->add_option("--margin-startup", m.startup,
                  "margin for startup/* (a fresh process's cold start; default 0.15)")
      ->check(margin_check);
  app->add_option("--margin-host", m.host,
                  "margin for the host class: pageable (host-staged) copies and the CPU-side "
                  "submission cost of launches and copies (default 0.10)")
      ->check(margin_check);
  app->add_flag("--judge-host", m.judge_host,
                "let host-class verdicts (pageable copies, submission cost) decide the overall "
                "verdict (default: informational)");
}

int refused(const path_problem& p, const std::string& command) {
  if (p.exit_code) std::cerr << "gpuparity" << command << ": ERROR: " << p.message << "\n";
  return p.exit_code;
}

void add_quiet_flag(CLI::App* app, bool& quiet) {
  app->add_flag("-q,--quiet", quiet,
                "print no progress lines on stderr (warnings and errors still print)");
}

int parse_failed(const CLI::App& app, const CLI::ParseError& e) {
  // The innermost subcommand the command line reached: its flags are the ones to read.
  std::string help = "gpuparity --help";
  for (const CLI::App* sub = &app; !sub->get_subcommands().empty();) {
    sub = sub->get_subcommands().back();
    help = "gpuparity " + sub->get_name() + " --help";
  }
  std::cerr << "gpuparity: " << e.what() << "; see " << help << "\n";
  return exit_usage;
}

}  // namespace gpuparity::harness
