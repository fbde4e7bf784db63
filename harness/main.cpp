// gpuparity: runs the workloads natively and in a container and decides, per metric,
// whether the container is equivalent to bare metal. Exit codes: run.hpp, README.md.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "compare.hpp"
#include "documents.hpp"
#include "gpuparity/version.hpp"
#include "interrupt.hpp"
#include "json_util.hpp"
#include "measurements.hpp"
#include "output_path.hpp"
#include "outputs.hpp"
#include "report.hpp"
#include "run.hpp"
#include "simulate.hpp"

namespace {

using namespace gpuparity::harness;
using json = nlohmann::ordered_json;

std::string self_path(const char* argv0) {
  char buf[PATH_MAX];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : argv0;
}

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

// A margin of 1 (meant as 1%) would make degraded and regression impossible verdicts.
const CLI::Validator margin_check =
    finite_between(0.0, 0.5, "a margin: give a fraction above 0 and below 0.5 (0.01 means 1%)",
                   "FRACTION in (0, 0.5)");
// 10^7 s (~116 days) is far beyond any run, and far below where the process runner's
// deadline (int64 milliseconds) overflows, as 1e300 would.
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

// Prints a path problem; its exit code, 0 when there is none.
int refused(const path_problem& p, const std::string& command) {
  if (p.exit_code) std::cerr << "gpuparity" << command << ": ERROR: " << p.message << "\n";
  return p.exit_code;
}

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

int cmd_baseline(const std::vector<std::string>& inputs, const std::string& side, std::string out) {
  std::vector<named_path> reports;
  for (const auto& p : inputs) reports.push_back({"REPORT", p});
  json doc;
  try {
    std::vector<measurement_set> runs;
    for (const auto& p : inputs) runs.push_back(load_measurements(p, side));
    doc = make_baseline(runs);
    if (out.empty())
      out = "results/baselines/" + folder_name(runs.front().facts.gpu_name) + "/baseline.json";
  } catch (const measurement_error& e) {
    std::cerr << "gpuparity baseline: ERROR: " << e.what() << "\n";
    return exit_error;
  }
  const auto slash = out.rfind('/');
  if (slash != std::string::npos && out != "-") {
    std::error_code ec;
    std::filesystem::create_directories(out.substr(0, slash), ec);
  }
  // Checked once its folder is made (the default path is known only now); reading the
  // inputs wrote nothing.
  if (const int code = refused(check_output_paths({{"-o", out}}, reports, true, ""), " baseline"))
    return code;
  const auto werr = write_report(out, doc);
  if (!werr.empty()) {
    std::cerr << "gpuparity baseline: ERROR: " << werr << ", or pass -o FILE\n";
    return exit_error;
  }
  std::cerr << "gpuparity baseline: " << doc["metrics"].size() << " metrics from " << inputs.size()
            << " report(s) written to " << (out == "-" ? "standard output" : out) << "\n";
  for (const auto& d : doc["dropped_metrics"])
    std::cerr << "gpuparity baseline: warning: " << d["name"].get<std::string>()
              << " left out (not measured in " << d["missing_from"].size()
              << " of the reports); listed in dropped_metrics\n";
  return exit_parity;
}

int cmd_report(const std::string& path, const std::string& junit, const std::string& prom,
               const std::string& markdown, const std::string& html) {
  if (const int code = refused(
          check_output_paths(
              {{"--junit", junit}, {"--prom", prom}, {"--markdown", markdown}, {"--html", html}},
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
  if (junit.empty() && prom.empty() && markdown.empty() && html.empty()) {
    std::cout << markdown_summary(doc);
    return exit_parity;
  }
  const auto err = write_renderings_to(doc, junit, prom, markdown, html);
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

  run_options o;
  std::string runtime = "docker", runtime_template, kill_template, gpus = "all";
  std::string shm_size, ipc, cpus;
  std::vector<std::string> ulimits;
  auto* run = app.add_subcommand("run", "interleave native and container trials and judge parity");
  run->add_option("--image", o.container.image, "container image with the workload programs");
  run->add_option("--runtime", runtime, "docker, podman, apptainer or custom (default docker)")
      ->check(CLI::IsMember({"docker", "podman", "apptainer", "custom"}));
  run->add_option("--engine", o.container.engine,
                  "the runtime's executable (default: its name on PATH)");
  run->add_option("--runtime-template", runtime_template,
                  "custom runtime's run command: tokens, with {image}, {name}, {command}");
  run->add_option("--runtime-kill-template", kill_template,
                  "custom runtime's command that stops a hung container: tokens, with {name}, "
                  "{image}");
  run->add_option("--gpus", gpus,
                  "the GPU both sides run on: all (default: device 0 on each side), a device "
                  "index (1) or a GPU UUID (GPU-...); one GPU per run");
  run->add_flag(
      "--no-gpu-flags", [&o](std::int64_t) { o.container.gpu_flags = false; },
      "add no GPU flags (pass your own with --container-arg)");
  run->add_option("--container-arg", o.container.extra,
                  "a flag for the runtime's run command (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--shm-size", shm_size, "container /dev/shm size (runtime --shm-size)");
  run->add_option("--ipc", ipc, "container IPC mode (runtime --ipc)");
  run->add_option("--cpus", cpus, "container CPU quota (runtime --cpus)");
  run->add_option("--ulimit", ulimits, "container rlimit, e.g. memlock=-1:-1 (repeatable)")
      ->allow_extra_args(false);
  run->add_flag("--native-vs-native", o.native_vs_native, "A/A run: both sides bare metal");
  run->add_option("--bench", o.bench_path, "native gpuparity-bench (default: next to gpuparity)");
  run->add_option("--torch", o.torch_path, "native gpuparity-torch (default: next to gpuparity)");
  run->add_option("--programs", o.programs, "auto, bench, torch or bench,torch (default auto)")
      ->check(CLI::IsMember({"auto", "bench", "torch", "bench,torch"}));
  run->add_option("--filter", o.filter, "workload cases to run (Google Benchmark regex)");
  run->add_option("--workload-arg", o.workload_args,
                  "a flag for the workload programs (repeatable)")
      ->allow_extra_args(false);
  run->add_option("--budget", o.budget_s, "seconds of trials (default 120)")->check(seconds_check);
  run->add_option("--min-trials", o.min_trials,
                  "measured trials per side before stopping (default 3)")
      ->check(CLI::Range(2, 1000));
  run->add_option("--max-trials", o.max_trials, "most measured trials per side (default 40)")
      ->check(CLI::Range(2, 1000));
  run->add_option("--trial-timeout", o.trial_timeout_s,
                  "seconds before a workload is killed (default 300)")
      ->check(seconds_check);
  add_margin_options(run, o.margins);
  run->add_option("-o,--output", o.output, "report path (default gpuparity-report.json)");
  run->add_option("--baseline", o.baseline,
                  "also compare the container side with this baseline (gpuparity baseline)");
  run->add_option("--junit", o.junit, "also write JUnit XML here");
  run->add_option("--prom", o.prometheus, "also write the Prometheus text format here");
  run->add_flag(
      "--no-telemetry", [&o](std::int64_t) { o.telemetry = false; },
      "do not sample the GPU through NVML during the trials");
  run->add_option("--planned-trials", o.planned_trials,
                  "measured trials per side at the sequential rule's last look (default: as "
                  "many as the budget holds at the first measured pair's cost; at least 4)")
      ->check(CLI::Range(min_planned_trials, 1000));
  run->add_option("--processes-per-trial", o.processes_per_trial,
                  "fresh processes per trial for host latency and startup, each one sample "
                  "(default 4; 0: they run inside the trial's process)")
      ->check(CLI::Range(0, 64));
  run->add_flag(
      "--no-focus", [&o](std::int64_t) { o.focus = false; },
      "every trial runs every case (default: after a look that settled a metric, only the "
      "families of cases with an undecided metric)");
  run->add_flag("--dry-run", o.dry_run,
                "print every command a run would start and stop (writes no file; a missing "
                "engine is a warning)");

  std::string base_path, cand_path, side = "container", out, junit, prom, markdown, html;
  class_margins cmp_margins;
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

  std::vector<std::string> inputs;
  auto* baseline = app.add_subcommand("baseline", "pool one or more run reports into a baseline");
  baseline->add_option("REPORT", inputs, "run reports (or Google Benchmark JSON)")->required();
  baseline->add_option("--side", side, "side of run reports to pool (default container)")
      ->check(CLI::IsMember({"native", "container"}));
  baseline->add_option("-o,--output", out,
                       "baseline path (default results/baselines/<gpu-model>/baseline.json)");

  std::string report_path;
  auto* report = app.add_subcommand(
      "report", "render a run report or comparison (stdout: Markdown) for other tools");
  report->add_option("REPORT", report_path, "gpuparity run report or compare document")->required();
  report->add_option("--html", html, "a self-contained HTML page");
  report->add_option("--markdown", markdown, "Markdown, for pull-request comments");
  report->add_option("--junit", junit, "JUnit XML");
  report->add_option("--prom", prom, "Prometheus text format");

  simulate_options sim;
  bool sim_budget = false;
  auto* simulate = app.add_subcommand(
      "simulate", "what recorded runs could settle in a budget: resamples them through run's loop");
  simulate->add_option("REPORT", inputs, "run reports of one GPU model")->required();
  simulate->add_option("--runs", sim.runs, "simulated runs per scenario (default 1000)")
      ->check(CLI::Range(1, 1000000));
  simulate->add_option_function<double>(
               "--budget", [&](double b) { sim.rule.budget_s = b, sim_budget = true; },
               "seconds of trials (default: the first report's budget)")
      ->check(seconds_check);
  simulate->add_option("--seed", sim.seed, "seed of the resampling (default fixed)");
  simulate->add_option("--shift", sim.shift,
                       "the power scenario's slowdown, in margins (default 2)")
      ->check(CLI::Range(0.0, 1000.0));
  simulate->add_option("--power-metric", sim.power_metrics,
                       "a metric for the power scenario (repeatable; default every deciding one)")
      ->allow_extra_args(false);
  simulate->add_option("--min-trials", sim.rule.min_trials, "as for run (default 3)")
      ->check(CLI::Range(2, 1000));
  simulate->add_option("--max-trials", sim.rule.max_trials, "as for run (default 40)")
      ->check(CLI::Range(2, 1000));
  simulate->add_option("--planned-trials", sim.rule.planned_trials, "as for run")
      ->check(CLI::Range(min_planned_trials, 1000));
  simulate->add_option("--processes-per-trial", sim.rule.processes_per_trial,
                       "as for run (default 4)")
      ->check(CLI::Range(0, 64));
  simulate->add_flag(
      "--no-focus", [&sim](std::int64_t) { sim.rule.focus = false; }, "as for run");
  add_margin_options(simulate, sim.rule.margins);
  simulate->add_option("-o,--output", out, "also write the simulation document (JSON) here");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "gpuparity: " << e.what() << "; see gpuparity --help\n";
    return exit_usage;
  }
  // The documents were checked before use; an exception here is a defect, and still an
  // error (4) with a message, never an abort.
  const char* cmd = compare->parsed()    ? "compare"
                    : baseline->parsed() ? "baseline"
                    : simulate->parsed() ? "simulate"
                                         : "report";
  try {
    if (simulate->parsed()) {
      if (sim.rule.min_trials > sim.rule.max_trials) {
        std::cerr << "gpuparity simulate: --min-trials is larger than --max-trials\n";
        return exit_usage;
      }
      return cmd_simulate(inputs, sim, sim_budget, out);
    }
    if (compare->parsed())
      return cmd_compare(base_path, cand_path, side, cmp_margins, out, junit, prom, markdown, html);
    if (baseline->parsed()) return cmd_baseline(inputs, side, out);
    if (report->parsed()) return cmd_report(report_path, junit, prom, markdown, html);
  } catch (const std::exception& e) {
    std::cerr << "gpuparity " << cmd << ": ERROR: internal error: " << e.what() << "\n";
    return exit_error;
  }
  o.container.kind = *parse_runtime(runtime);
  o.container.command_template = split_template(runtime_template);
  o.container.kill_template = split_template(kill_template);
  if (!o.container.kill_template.empty() && o.container.kind != runtime_kind::custom) {
    std::cerr << "gpuparity: --runtime-kill-template is for --runtime custom (docker and podman "
                 "containers are stopped by name, apptainer's with its process group)\n";
    return exit_usage;
  }
  if (o.container.kind == runtime_kind::custom && o.container.command_template.empty()) {
    std::cerr << "gpuparity: --runtime custom needs --runtime-template, e.g. "
                 "\"enroot start --root {image} {command}\"\n";
    return exit_usage;
  }
  try {
    o.container.gpus = parse_gpu_selection(gpus);
  } catch (const std::invalid_argument& e) {
    std::cerr << "gpuparity: " << e.what() << "\n";
    return exit_usage;
  }
  if (o.container.kind == runtime_kind::custom && !o.native_vs_native &&
      o.container.gpus.kind != gpu_selection_kind::all &&
      !template_passes_gpus(o.container.command_template)) {
    std::cerr << "gpuparity: --gpus " << gpus
              << " with --runtime custom: the native side runs on that GPU, but the template "
                 "does not pass it to the container: put {gpus} where the runtime takes it, e.g. "
                 "\"enroot start -e NVIDIA_VISIBLE_DEVICES={gpus} {image} {command}\"\n";
    return exit_usage;
  }
  if (!o.native_vs_native && o.container.image.empty()) {
    std::cerr << "gpuparity: run needs --image IMAGE (or --native-vs-native for an A/A run)\n";
    return exit_usage;
  }
  if (!shm_size.empty()) o.container.extra.push_back("--shm-size=" + shm_size);
  if (!ipc.empty()) o.container.extra.push_back("--ipc=" + ipc);
  if (!cpus.empty()) o.container.extra.push_back("--cpus=" + cpus);
  for (const auto& u : ulimits) o.container.extra.push_back("--ulimit=" + u);
  if (o.min_trials > o.max_trials) {
    std::cerr << "gpuparity: --min-trials is larger than --max-trials\n";
    return exit_usage;
  }
  if (o.planned_trials > o.max_trials) {
    std::cerr << "gpuparity: --planned-trials is larger than --max-trials: raise --max-trials "
                 "(the plan could never be reached)\n";
    return exit_usage;
  }
  // Outputs before anything runs: a run never measures for minutes and then cannot write.
  if (!o.dry_run) {
    const auto problem = check_output_paths(
        {{"-o", o.output}, {"--junit", o.junit}, {"--prom", o.prometheus}},
        {{"--baseline", o.baseline}, {"--bench", o.bench_path}, {"--torch", o.torch_path}}, false,
        "run prints its summary there");
    if (const int code = refused(problem, "")) return code;
  }
  o.argv.assign(argv, argv + argc);
  o.self_path = self_path(argv[0]);
  // Only `run` starts children that must not outlive it; a dry run starts none.
  if (!o.dry_run) install_interrupt_handlers();
  return run_parity(o);
}
