// gpuparity: runs the workloads natively and in a container and decides, per metric,
// whether the container is equivalent to bare metal. Exit codes: run.hpp, README.md.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <filesystem>
#include <iostream>

#include "cli_common.hpp"
#include "compare.hpp"
#include "console.hpp"
#include "documents.hpp"
#include "fleet_cli.hpp"
#include "gpuparity/version.hpp"
#include "json_util.hpp"
#include "measurements.hpp"
#include "node_cli.hpp"
#include "output_path.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "run.hpp"
#include "run_cli.hpp"
#include "simulate.hpp"

namespace {

using namespace gpuparity::harness;
using json = nlohmann::ordered_json;

bool any_stdout(const std::vector<std::string>& paths) {
  return std::find(paths.begin(), paths.end(), "-") != paths.end();
}

// write_renderings, where "-" is standard output.
std::string write_renderings_to(const json& doc, std::string junit, std::string prom,
                                std::string markdown, std::string html) {
  const std::pair<std::string*, std::string (*)(const json&)> renderers[] = {
      {&junit, junit_xml},
      {&prom, prometheus_text},
      {&markdown, markdown_summary},
      {&html, html_page}};
  for (const auto& [path, render] : renderers)
    if (*path == "-") {
      const auto err = write_output("-", render(doc));
      if (!err.empty()) return err;
      path->clear();
    }
  return write_renderings(doc, junit, prom, markdown, html);
}

int cmd_compare(const std::string& base_path, const std::string& cand_path, const std::string& side,
                const class_margins& margins, const std::string& out, const std::string& junit,
                const std::string& prom, const std::string& markdown, const std::string& html) {
  if (const int code =
          refused(check_output_paths({{"-o", out},
                                      {"--junit", junit},
                                      {"--prom", prom},
                                      {"--markdown", markdown},
                                      {"--html", html}},
                                     {{"BASELINE", base_path}, {"CANDIDATE", cand_path}}, true, ""),
                  " compare"))
    return code;
  json doc;
  try {
    const auto base = load_measurements(base_path, side);
    const auto cand = load_measurements(cand_path, side);
    doc = compare_measurements(base, cand, margins);
  } catch (const measurement_error& e) {
    std::cerr << "gpuparity compare: ERROR: " << e.what() << "\n";
    return exit_error;
  }
  // The summary goes to stdout unless an output asked for it ("-").
  if (!any_stdout({out, junit, prom, markdown, html})) std::cout << markdown_summary(doc);
  if (doc["verdict"] == "error")
    std::cerr << "gpuparity compare: ERROR: " << doc["verdict_reason"].get<std::string>() << "\n";
  const auto werr = out.empty() ? std::string() : write_report(out, doc);
  if (!werr.empty()) {
    std::cerr << "gpuparity compare: " << werr << "\n";
    return exit_error;
  }
  const auto err = write_renderings_to(doc, junit, prom, markdown, html);
  if (!err.empty()) {
    std::cerr << "gpuparity compare: " << err << "\n";
    return exit_error;
  }
  return doc["exit_code"].get<int>();
}

// `baseline`: without -o the path is results/baselines/<gpu-model>/baseline.json, which
// from the repository's root is the committed baseline a gate compares with: a file there
// is replaced only with --force. A file -o names is replaced, as every command's -o does.
int cmd_baseline(const std::vector<std::string>& inputs, const std::string& side, std::string out,
                 bool force, bool quiet) {
  console con(std::cerr, "gpuparity baseline", quiet);
  std::vector<named_path> reports;
  for (const auto& p : inputs) reports.push_back({"REPORT", p});
  json doc;
  const bool default_path = out.empty();
  try {
    std::vector<measurement_set> runs;
    for (const auto& p : inputs) runs.push_back(load_measurements(p, side));
    doc = make_baseline(runs);
    if (default_path)
      out = "results/baselines/" + folder_name(runs.front().facts.gpu_name) + "/baseline.json";
  } catch (const measurement_error& e) {
    con.error(e.what());
    return exit_error;
  }
  std::error_code ec;
  if (default_path && !force && std::filesystem::exists(out, ec)) {
    con.error(out +
              " exists (the default path: -o was not given): pass -o FILE to write "
              "another file, or --force to replace it");
    return exit_usage;
  }
  const auto slash = out.rfind('/');
  if (slash != std::string::npos && out != "-")
    std::filesystem::create_directories(out.substr(0, slash), ec);
  // Checked once its folder is made (the default path is known only now); reading the
  // inputs wrote nothing.
  if (const int code = refused(check_output_paths({{"-o", out}}, reports, true, ""), " baseline"))
    return code;
  const auto werr = write_report(out, doc);
  if (!werr.empty()) {
    con.error(werr + ", or pass -o FILE");
    return exit_error;
  }
  con.progress(std::to_string(doc["metrics"].size()) + " metrics from " +
               std::to_string(inputs.size()) + " report(s) written to " +
               (out == "-" ? "standard output" : out));
  if (const auto thin = thin_baseline_metrics(doc); thin.count > 0)
    con.warning(std::to_string(thin.count) + " of " + std::to_string(doc["metrics"].size()) +
                " metrics have fewer than " + std::to_string(baseline_samples_wanted) +
                " samples (" + thin.example + ": " + std::to_string(thin.fewest) +
                "): compare and run --baseline judge a default run against so few with wide "
                "intervals, or (below 4) not at all; pool more runs (gpuparity baseline "
                "R1.json R2.json), or make the run with --min-trials " +
                std::to_string(baseline_samples_wanted) + " and a --budget that reaches it");
  for (const auto& d : doc["dropped_metrics"])
    con.warning(d["name"].get<std::string>() + " left out (not measured in " +
                std::to_string(d["missing_from"].size()) +
                " of the reports); listed in dropped_metrics");
  return exit_parity;
}

int cmd_report(const std::string& path, const std::string& junit, const std::string& prom,
               const std::string& markdown, const std::string& html, const std::string& text) {
  if (const int code = refused(
          check_output_paths({{"--junit", junit},
                              {"--prom", prom},
                              {"--markdown", markdown},
                              {"--html", html},
                              {"--text", text}},
              {{"REPORT", path}}, true, ""),
          " report"))
    return code;
  json doc;
  try {
    document d = load_document(path);
    if (d.kind != document_kind::run_report && d.kind != document_kind::comparison)
      throw document_error(path + " is a " + document_kind_name(d.kind) +
                           ", neither a `gpuparity run` report nor a `gpuparity compare` document");
    doc = std::move(d.body);
  } catch (const document_error& e) {
    std::cerr << "gpuparity report: ERROR: " << e.what() << "\n";
    return exit_error;
  }
  if (junit.empty() && prom.empty() && markdown.empty() && html.empty() && text.empty()) {
    std::cout << markdown_summary(doc);
    return exit_parity;
  }
  auto err = text.empty() ? std::string() : write_output(text, summary_table(doc));
  if (err.empty()) err = write_renderings_to(doc, junit, prom, markdown, html);
  if (!err.empty()) {
    std::cerr << "gpuparity report: ERROR: " << err << "\n";
    return exit_error;
  }
  return exit_parity;
}

// `simulate`: the budget default is the first report's; the margins, trial counts and
// processes per trial those of `run` unless given.
int cmd_simulate(const std::vector<std::string>& inputs, simulate_options so, bool budget_given,
                 const std::string& out) {
  std::vector<named_path> reports;
  for (const auto& p : inputs) reports.push_back({"REPORT", p});
  if (const int code = refused(check_output_paths({{"-o", out}}, reports, true, ""), " simulate"))
    return code;
  json doc;
  try {
    const recorded_runs r = load_recorded(inputs);
    if (!budget_given) so.rule.budget_s = r.budget_s;
    if (!r.native_vs_native.empty() && r.native_vs_native.size() < r.sources.size())
      std::cerr << "gpuparity simulate: warning: " << r.native_vs_native.size() << " of "
                << r.sources.size()
                << " reports are native-vs-native runs: their second side joins the container "
                   "pool, so as_recorded describes neither kind; simulate the container runs "
                   "alone for it\n";
    doc = simulate(r, inputs, so);
  } catch (const document_error& e) {
    std::cerr << "gpuparity simulate: ERROR: " << e.what() << "\n";
    return exit_error;
  } catch (const std::invalid_argument& e) {
    std::cerr << "gpuparity simulate: " << e.what() << "\n";
    return exit_usage;
  }
  if (out != "-") std::cout << simulation_table(doc);
  const auto werr = out.empty() ? std::string() : write_report(out, doc);
  if (!werr.empty()) {
    std::cerr << "gpuparity simulate: ERROR: " << werr << "\n";
    return exit_error;
  }
  return exit_parity;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("gpuparity: proves a GPU runs as fast in a container as on bare metal", "gpuparity");
  app.set_version_flag("--version",
                       std::string(gpuparity::version) + " (" + gpuparity::git_revision + ")");
  app.require_subcommand(1);

  run_cli run_values;
  add_run_command(app, run_values);

  std::string base_path, cand_path, side = "container", out, junit, prom, markdown, html;
  class_margins cmp_margins;
  bool quiet = false;
  auto* compare = app.add_subcommand(
      "compare", "regression gate: a candidate's measurements against a baseline's");
  compare->add_option("BASELINE", base_path, "baseline, run report or Google Benchmark JSON")
      ->required();
  compare->add_option("CANDIDATE", cand_path, "run report or Google Benchmark JSON")->required();
  compare->add_option("--side", side, "side of run reports to compare (default container)")
      ->check(CLI::IsMember({"native", "container"}));
  add_margin_options(compare, cmp_margins);
  compare->add_option("-o,--output", out, "write the comparison document here");
  compare->add_option("--junit", junit, "also write JUnit XML here");
  compare->add_option("--prom", prom, "also write the Prometheus text format here");
  compare->add_option("--markdown", markdown, "also write Markdown here");
  compare->add_option("--html", html, "also write an HTML page here");
  add_quiet_flag(compare, quiet);

  std::vector<std::string> inputs;
  bool force = false;
  auto* baseline = app.add_subcommand("baseline", "pool one or more run reports into a baseline");
  baseline->add_option("REPORT", inputs, "run reports (or Google Benchmark JSON)")->required();
  baseline->add_option("--side", side, "side of run reports to pool (default container)")
      ->check(CLI::IsMember({"native", "container"}));
  baseline->add_option("-o,--output", out,
                       "baseline path (default results/baselines/<gpu-model>/baseline.json, "
                       "where an existing file is replaced only with --force)");
  baseline->add_flag("-f,--force", force,
                     "replace an existing file at the default path (without -o)");
  add_quiet_flag(baseline, quiet);

  std::string report_path;
  auto* report = app.add_subcommand(
      "report", "render a run report or comparison (stdout: Markdown) for other tools");
  report->add_option("REPORT", report_path, "gpuparity run report or compare document")->required();
  report->add_option("--html", html, "a self-contained HTML page");
  report->add_option("--markdown", markdown, "Markdown, for pull-request comments");
  report->add_option("--junit", junit, "JUnit XML");
  report->add_option("--prom", prom, "Prometheus text format");
  std::string text;
  report->add_option("--text", text, "the console summary `run` prints (at most 100 columns)");

  simulate_options sim;
  bool sim_budget = false;
  auto* simulate = app.add_subcommand(
      "simulate", "what recorded runs could settle in a budget: resamples them through run's loop");
  simulate->add_option("REPORT", inputs, "run reports of one GPU model")->required();
  simulate->add_option("--runs", sim.runs, "simulated runs per scenario (default 1000)")
      ->check(CLI::Range(1, 1000000));
  simulate
      ->add_option_function<double>(
          "--budget", [&](double b) { sim.rule.budget_s = b, sim_budget = true; },
          "seconds of trials (default: the first report's budget)")
      ->check(seconds_check);
  simulate->add_option("--seed", sim.seed, "seed of the resampling (default fixed)");
  simulate
      ->add_option("--shift", sim.shift, "the power scenario's slowdown, in margins (default 2)")
      ->check(CLI::Range(0.0, 1000.0));
  simulate
      ->add_option("--power-metric", sim.power_metrics,
                   "a metric for the power scenario (repeatable; default every deciding one)")
      ->allow_extra_args(false);
  simulate->add_option("--min-trials", sim.rule.min_trials, "as for run (default 3)")
      ->check(CLI::Range(2, 1000));
  simulate->add_option("--max-trials", sim.rule.max_trials, "as for run (default 40)")
      ->check(CLI::Range(2, 1000));
  simulate->add_option("--planned-trials", sim.rule.planned_trials, "as for run")
      ->check(CLI::Range(min_planned_trials, 1000));
  simulate
      ->add_option("--processes-per-trial", sim.rule.processes_per_trial, "as for run (default 4)")
      ->check(CLI::Range(0, 64));
  simulate->add_flag(
      "--no-focus", [&sim](std::int64_t) { sim.rule.focus = false; }, "as for run");
  add_margin_options(simulate, sim.rule.margins);
  simulate->add_option("-o,--output", out, "also write the simulation document (JSON) here");

  fleet_cli fleet_values;
  auto* fleet = add_fleet_command(app, fleet_values);

  node_cli node_values;
  auto* node = add_node_command(app, node_values);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    return parse_failed(app, e);
  }
  // The documents were checked before use; an exception here is a defect, and still an
  // error (4) with a message, never an abort.
  const char* cmd = node->parsed()       ? "node"
                    : fleet->parsed()    ? "fleet"
                    : compare->parsed()  ? "compare"
                    : baseline->parsed() ? "baseline"
                    : simulate->parsed() ? "simulate"
                                         : "report";
  try {
    if (fleet->parsed()) return fleet_command(fleet_values, argc, argv);
    if (node->parsed()) return node_command(node_values, argc, argv);
    if (simulate->parsed()) {
      if (sim.rule.min_trials > sim.rule.max_trials) {
        std::cerr << "gpuparity simulate: --min-trials is larger than --max-trials\n";
        return exit_usage;
      }
      return cmd_simulate(inputs, sim, sim_budget, out);
    }
    if (compare->parsed())
      return cmd_compare(base_path, cand_path, side, cmp_margins, out, junit, prom, markdown, html);
    if (baseline->parsed()) return cmd_baseline(inputs, side, out, force, quiet);
    if (report->parsed()) return cmd_report(report_path, junit, prom, markdown, html, text);
  } catch (const std::exception& e) {
    std::cerr << "gpuparity " << cmd << ": ERROR: internal error: " << e.what() << "\n";
    return exit_error;
  }
  return run_command(run_values, argc, argv);
}
