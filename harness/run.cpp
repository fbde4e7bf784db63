#include "run.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "audit.hpp"
#include "compare.hpp"
#include "console.hpp"
#include "decision.hpp"
#include "error_document.hpp"
#include "gpu_selection.hpp"
#include "interrupt.hpp"
#include "json_util.hpp"
#include "judge.hpp"
#include "measurements.hpp"
#include "outputs.hpp"
#include "plan.hpp"
#include "process.hpp"
#include "report.hpp"
#include "schedule.hpp"
#include "stats.hpp"
#include "telemetry.hpp"
#include "trial.hpp"
#include "verify.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {
namespace {

using gpuparity::median;

using json = nlohmann::ordered_json;

std::string dir_of(const std::string& path) {
  const auto p = path.rfind('/');
  return p == std::string::npos ? "." : path.substr(0, p);
}

std::string find_program(const std::string& explicit_path, const std::string& self,
                         const std::string& name, const std::string& build_subdir) {
  if (!explicit_path.empty()) return access(explicit_path.c_str(), X_OK) == 0 ? explicit_path : "";
  const std::string d = dir_of(self);
  for (const std::string& p : {d + "/" + name, d + "/../bench/" + build_subdir + name})
    if (access(p.c_str(), X_OK) == 0) return p;
  return "";
}

side_view view_of(const std::vector<trial>& trials, bool container) {
  side_view v;
  for (auto it = trials.rbegin(); it != trials.rend(); ++it)
    if (it->container == container && !it->runs.empty()) {
      // A failed trial stopped at the program that failed: that one is the evidence.
      const auto& r = it->error.empty() ? it->runs.front() : it->runs.back();
      v.context = r.out.context;
      v.exit_code = r.proc.exit_code;
      v.signal = r.proc.signal;
      v.stderr_text = tail_of(r.proc.err, 1500);
      const auto& p = r.proc;
      v.stopped = p.timed_out          ? "it did not finish within the trial timeout"
                  : p.interrupted      ? "gpuparity was interrupted"
                  : p.truncated        ? "it wrote more output than gpuparity captures"
                  : p.output_held_open ? "a process it started held its output open"
                                       : "";
      break;
    }
  // Labels and cases from every trial, the latest last: a focused trial runs only some cases.
  for (const auto& t : trials)
    if (t.container == container)
      for (const auto& r : t.runs) {
        v.cases.insert(r.out.cases.begin(), r.out.cases.end());
        for (const auto& [name, label] : r.out.labels) v.labels[name] = label;
      }
  return v;
}

json context_json(const std::map<std::string, std::string>& c) {
  json j = json::object();
  for (const auto& [k, v] : c)
    if (k.rfind("gpu", 0) == 0 || k.rfind("env_", 0) == 0 || k.rfind("cuda_", 0) == 0 ||
        k == "host_name")
      j[k] = v;
  return j;
}

// The workload programs --programs selects: those found, and those the user asked for
// that are not there (gpuparity-bench always, gpuparity-torch when named), each with the
// name a command would give it and why it is missing, with the fix.
struct selected_programs {
  std::vector<program> found;
  std::vector<std::pair<program, std::string>> missing;
};

selected_programs select_programs(const run_options& o) {
  selected_programs s;
  const auto add = [&](const std::string& explicit_path, const char* name, const char* subdir,
                       bool required, const std::string& fix) {
    const auto p = find_program(explicit_path, o.self_path, name, subdir);
    if (!p.empty()) return s.found.push_back({name, p});
    if (!required) return;
    const std::string where = explicit_path.empty() ? "next to gpuparity" : explicit_path;
    s.missing.push_back({{name, explicit_path.empty() ? std::string(name) : explicit_path},
                         std::string(name) + " not found (" + where + "): " + fix});
  };
  if (o.programs == "auto" || o.programs.find("bench") != std::string::npos)
    add(o.bench_path, "gpuparity-bench", "", true, "build it, or pass --bench PATH");
  if (o.programs == "auto" || o.programs.find("torch") != std::string::npos)
    add(o.torch_path, "gpuparity-torch", "torch/", o.programs != "auto",
        "build it with LibTorch, or pass --torch PATH");
  return s;
}

// `run --dry-run`: the commands of the warm-up trials and of a timeout, whatever is
// installed (later trials name the measured cases exactly and add --processes, which only
// the warm-up can tell; the last line says so); a missing engine or workload program is a
// warning on stderr. Writes nothing.
int print_dry_run(const run_options& o) {
  const auto selected = select_programs(o);
  std::vector<program> programs = selected.found;
  console con(std::cerr, "gpuparity", o.quiet);
  for (const auto& [p, why] : selected.missing) {
    con.warning(why + "; the native commands name it as " + p.native_path);
    programs.push_back(p);
  }
  const runner run(o, std::chrono::steady_clock::now());
  if (!o.native_vs_native) {
    const auto engine = runtime_executable(o.container);
    if (engine.empty()) {
      con.error("--runtime custom needs --runtime-template");
      return exit_usage;
    }
    if (find_on_path(engine).empty())
      con.warning("container runtime '" + engine +
                  "' was not found on PATH: a run needs it installed (or --engine PATH)");
  }
  const bool container = !o.native_vs_native;
  std::cout << gpu_selection_text(o);
  std::cout << "each trial starts a no-op first, to time the start:\n";
  std::cout << "  native:    " << display_command({"true"}) << "\n";
  std::cout << "  " << (container ? "container" : "native-b ") << ": "
            << display_command(run.side_command(true, 1, {"true"})) << "\n";
  std::cout << "then each workload program:\n";
  for (const auto& p : warm_up_plan(programs, o)) {
    std::cout << "  native:    " << display_command(workload_argv(p, true, o)) << "\n";
    std::cout << "  " << (container ? "container" : "native-b ") << ": "
              << display_command(run.side_command(true, 1, workload_argv(p, !container, o)))
              << "\n";
  }
  std::cout << "after the warm-up, trials name the cases it measured exactly";
  if (o.processes_per_trial > 0)
    std::cout << ", host latency and startup in a second run of the program with --processes "
              << o.processes_per_trial << " --startup-trials 1";
  std::cout << "\n";
  if (container) {
    const auto kill = kill_command(o.container, run.container_name(1));
    std::cout << "on a timeout: "
              << (kill.empty() ? std::string("the process group is killed")
                               : "the process group is killed, then " + display_command(kill))
              << "\n";
  } else {
    std::cout << "on a timeout: the process group is killed\n";
  }
  return exit_parity;
}

// The report's config.gpus: the selection and what the native side was told (the
// container's flags are under runtime.gpu_flags).
json gpus_config_json(const run_options& o) {
  json env = json::object();
  for (const auto& [name, value] : native_gpu_environment(o.container.gpus)) env[name] = value;
  return {{"selection", o.container.gpus.value},
          {"selected_by", gpu_selection_kind_name(o.container.gpus.kind)},
          {"native_environment", env}};
}

}  // namespace

std::string native_bench_path(const run_options& o) {
  return find_program(o.bench_path, o.self_path, "gpuparity-bench", "");
}

int combined_exit_code(int parity_code, int regression_code) {
  for (int c : {exit_error, exit_degraded, exit_not_comparable, exit_inconclusive})
    if (parity_code == c || regression_code == c) return c;
  return exit_parity;
}

std::string write_renderings(const json& doc, const std::string& junit,
                             const std::string& prometheus, const std::string& markdown,
                             const std::string& html) {
  const std::pair<const std::string*, std::string (*)(const json&)> outputs[] = {
      {&junit, junit_xml},
      {&prometheus, prometheus_text},
      {&markdown, markdown_summary},
      {&html, html_page}};
  for (const auto& [path, render] : outputs)
    if (!path->empty() && !gpuparity::write_file_atomically(*path, render(doc)))
      return "cannot write " + *path + ": check that its folder exists and is writable";
  return "";
}

int run_parity(const run_options& o) {
  if (o.dry_run) return print_dry_run(o);
  const auto started = std::chrono::steady_clock::now();
  console con(std::cerr, "gpuparity", o.quiet);
  json report;
  report["schema_version"] = report_schema_version;
  report["producer"] = producer_json();
  report["argv"] = o.argv;
  report["started_at"] = now_iso();
  char host[256] = {0};
  gethostname(host, sizeof host - 1);
  report["host"] = {{"hostname", host}};
  report["confidence"] = final_look_confidence;
  report["rule"] = rule_json(o);
  report["mode"] = o.native_vs_native ? "native-vs-native" : "native-vs-container";
  report["runtime"] = {{"kind", o.native_vs_native ? "none" : runtime_name(o.container.kind)},
                       {"engine", runtime_executable(o.container)},
                       {"version", nullptr},
                       {"image", o.container.image},
                       {"image_id", nullptr},
                       {"gpu_flags", gpu_flags(o.container)},
                       {"extra_flags", o.container.extra}};
  if (o.container.kind == runtime_kind::custom && !o.native_vs_native) {
    report["runtime"]["command_template"] = o.container.command_template;
    report["runtime"]["kill_template"] = o.container.kill_template;
  }
  report["config"] = {{"budget_seconds", o.budget_s},
                      {"min_trials", o.min_trials},
                      {"max_trials", o.max_trials},
                      {"trial_timeout_seconds", o.trial_timeout_s},
                      {"filter", o.filter},
                      {"workload_args", o.workload_args},
                      {"margins", margins_json(o.margins)},
                      {"baseline", o.baseline.empty() ? json(nullptr) : json(o.baseline)},
                      {"telemetry", o.telemetry},
                      {"focus", o.focus},
                      {"gpus", gpus_config_json(o)}};
  report["verdict"] = "error";
  report["exit_code"] = exit_error;
  report["error"] = nullptr;
  report["programs"] = json::array();
  report["sides"] = {{"native", json::object()}, {"container", json::object()}};
  report["gpu"] = gpu_identity_json(identify_gpus({}, o.container.gpus), o.container.gpus);
  report["trials"] = json::array();
  report["metrics"] = json::array();
  report["costs"] = json::object();
  report["audit"] = json::array();

  auto finish = [&](int code, const std::string& verdict_text, const std::string& error) -> int {
    // Invalid UTF-8 from a workload's stderr is replaced, never thrown (dump_document).
    report["verdict"] = verdict_text;
    report["exit_code"] = code;
    report["error"] = error.empty() ? json(nullptr) : json(error);
    report["finished_at"] = now_iso();
    report["timings"] = {
        {"wall_seconds",
         std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count()}};
    if (!error.empty()) con.error(error);
    std::cout << summary_table(report);
    // The renderings first: when one cannot be written (a disk that filled, a FIFO whose
    // reader left; the paths were checked before the first trial), the report says so and
    // its exit code is the process's.
    const std::string rerr =
        write_renderings(json::parse(dump_document(report)), o.junit, o.prometheus);
    if (!rerr.empty()) {
      con.error(rerr);
      code = exit_error;
      report["verdict"] = "error";
      report["exit_code"] = code;
      report["error"] = rerr;
    }
    const std::string werr = write_report(o.output, report);
    if (!werr.empty()) {
      con.error(werr);
      return exit_error;
    }
    con.progress("report written to " + o.output);
    return code;
  };
  // A SIGINT, SIGTERM or SIGHUP (interrupt.hpp) ends the run at the next check: children
  // and containers are already killed by then (runner::run), the report is written.
  const auto interrupted = [&] {
    const int sig = interrupted_signal();
    return finish(exit_interrupted_base + sig, "error",
                  "interrupted by " + signal_name(sig) + " (signal " + std::to_string(sig) +
                      "): the running workload and its container were killed; the trials "
                      "before it are in the report");
  };

  // Pre-flight: everything that can be known wrong before a trial runs (the output paths
  // were checked by the CLI: output_path.hpp).
  const auto selected = select_programs(o);
  if (!selected.missing.empty()) return finish(exit_error, "error", selected.missing[0].second);
  std::vector<program> programs = selected.found;
  if (programs.empty())
    return finish(exit_error, "error", "no workload program selected (--programs)");

  std::unique_ptr<measurement_set> baseline;
  if (!o.baseline.empty()) {
    try {
      baseline = std::make_unique<measurement_set>(load_measurements(o.baseline, "container"));
    } catch (const measurement_error& e) {
      return finish(exit_error, "error",
                    std::string("cannot use the baseline: ") + e.what() +
                        "; make one with `gpuparity baseline REPORT...`");
    }
  }

  runner run(o, started);
  if (!o.native_vs_native) {
    const auto engine = runtime_executable(o.container);
    if (engine.empty())
      return finish(exit_usage, "error", "--runtime custom needs --runtime-template");
    if (find_on_path(engine).empty())
      return finish(
          exit_error, "error",
          "container runtime '" + engine +
              "' was not found on PATH: install it, or choose another with --runtime / --engine");
    if (o.container.image.empty())
      return finish(exit_usage, "error", "no container image: pass --image IMAGE");
    const auto v = run_process(version_command(o.container), 30.0);
    // The number alone ("4.3.1"); the line as printed ("podman.real version 4.3.1" where a
    // wrapper renames the binary) stays beside it.
    report["runtime"]["version"] = engine_version_number(first_line(v.out));
    report["runtime"]["version_output"] = first_line(v.out);
    const auto inspect = inspect_image_command(o.container);
    if (!inspect.empty()) {
      const auto r = run_process(inspect, 60.0);
      if (interrupted_signal()) return interrupted();
      if (r.exit_code != 0) {
        const std::string why = first_line(r.err.empty() ? r.out : r.err);
        const std::string fix = engine_unreachable_fix(engine, why);
        if (!fix.empty())
          return finish(exit_error, "error",
                        engine + " cannot reach its daemon (" + why + "): " + fix);
        return finish(exit_error, "error",
                      "image '" + o.container.image + "' is not available to " + engine + " (" +
                          why + "): build it with images/build.sh, or pull it");
      }
      report["runtime"]["image_id"] = first_line(r.out);
    }
    // gpuparity-torch runs only where the image has it too.
    auto torch = std::find_if(programs.begin(), programs.end(),
                              [](const program& p) { return p.name == "gpuparity-torch"; });
    if (torch != programs.end() && o.programs == "auto") {
      const auto probe = run.run(true, {"gpuparity-torch", "--benchmark_list_tests"});
      if (probe.exit_code != 0) programs.erase(torch);
    }
  }
  for (const auto& p : programs)
    report["programs"].push_back({{"name", p.name}, {"native_path", p.native_path}});

  // The trials (schedule.hpp), telemetry sampling once a native trial has named its GPU
  // (the warm-up's samples are not judged anyway).
  telemetry tel(started, o.telemetry_period_s);
  bool telemetry_tried = !o.telemetry;
  trial_source source;
  source.run = [&run](bool container, int index, const std::vector<planned_program>& plan) {
    return run.run_trial(container, index, plan);
  };
  source.elapsed = [&started] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  };
  source.stop_requested = [] { return interrupted_signal() != 0; };
  source.after_trial = [&](const trial& t) {
    std::ostringstream line;
    line << "[" << (t.container ? (o.native_vs_native ? "native-b " : "container") : "native   ")
         << " #" << t.index << (t.index == 0 ? " warm-up" : "") << "] " << std::fixed;
    line.precision(1);
    line << t.wall_s << " s ";
    if (t.error.empty())
      con.progress(line.str() + "ok");
    else
      con.progress_failure(line.str(), t.error);
    if (telemetry_tried || t.container || t.runs.empty()) return;
    const auto& c = t.runs.front().out.context;
    const auto uuid = c.find("gpu_uuid");
    if (uuid == c.end()) return;
    telemetry_tried = true;
    if (!tel.start(uuid->second))
      con.progress("telemetry unavailable: " + tel.unavailable_reason());
  };
  auto scheduled = schedule_trials(o, programs, source);
  auto& trials = scheduled.trials;
  const auto& frozen = scheduled.frozen;
  const double last_pair = scheduled.last_pair_s;
  const std::string& error = scheduled.error;
  const run_options& judged_with = scheduled.judged_with;
  report["rule"] = rule_json(judged_with, scheduled.plan_pair_s);
  tel.stop();
  const auto samples = tel.samples();
  for (auto& t : trials) t.throttling = throttling_during(samples, t.t_start, t.t_end);
  const auto all_samples = collect(trials, frozen);
  judged j = judge(all_samples, judged_with);
  for (auto& m : j.metrics) {
    const auto f = frozen.find(m["name"].get<std::string>());
    if (f != frozen.end()) m["settled_after"] = f->second.first;
  }

  if (!o.telemetry)
    report["telemetry"] = {{"available", false}, {"reason", "turned off with --no-telemetry"}};
  else if (!telemetry_tried)
    report["telemetry"] = {{"available", false},
                           {"reason", "no native trial reported its GPU's UUID"}};
  else
    report["telemetry"] = tel.to_json();
  for (const auto& t : trials) report["trials"].push_back(trial_json(t));
  report["metrics"] = j.metrics;
  const auto nv = view_of(trials, false), cv = view_of(trials, true);
  report["sides"]["native"] = context_json(nv.context);
  report["sides"]["container"] = context_json(cv.context);
  report["gpu"] = gpu_identity_json(identify_gpus(trials, o.container.gpus), o.container.gpus);
  std::vector<double> ncost, ccost;
  for (const auto& t : trials)
    if (t.index > 0) (t.container ? ccost : ncost).push_back(t.start_cost_s);
  if (!ncost.empty() && !ccost.empty())
    report["costs"]["noop_start"] = {{"native_median_seconds", median(ncost)},
                                     {"container_median_seconds", median(ccost)},
                                     {"added_seconds", median(ccost) - median(ncost)},
                                     {"native_samples", ncost},
                                     {"container_samples", ccost}};
  {
    // What the audit explains: the degraded metrics and those the container failed to
    // measure (a case that failed there only), so a failure gets its cause too.
    auto to_explain = j.degraded;
    for (const auto& [name, s] : all_samples)
      if (!s.native.empty() && s.container.empty())
        to_explain.emplace(name, metric_class_name(s.kind.cls));
    // (The scheduler's error names the first trial that failed or was stopped.)
    const gpu_state state = as_audited(tel.state(), !error.empty() || interrupted_signal() != 0);
    // A native vs native run has no container to audit; the GPU's state holds for it too.
    const auto found = o.native_vs_native ? audit_gpu_state(state, to_explain)
                                          : audit(nv, cv, o.container, to_explain, state);
    for (const auto& f : found)
      report["audit"].push_back({{"id", f.id},
                                 {"severity", f.severity},
                                 {"title", f.title},
                                 {"native", f.native},
                                 {"container", f.container},
                                 {"fix", f.fix},
                                 {"explains", f.explains}});
  }
  report["trial_counts"] = {
      {"native",
       std::count_if(trials.begin(), trials.end(), [](const trial& t) { return !t.container; })},
      {"container",
       std::count_if(trials.begin(), trials.end(), [](const trial& t) { return t.container; })}};
  // For an inconclusive run: the budget and plan that would likely settle its noisiest
  // deciding metric, in pairs of trials (one sample per side each) at the last pair's
  // length (later pairs run the same cases or fewer).
  int most_needed = 0, trials_so_far = 0;
  std::string noisiest;
  for (const auto& m : j.metrics) {
    if (!m["decides"].get<bool>() || !m.contains("trials_needed") ||
        !m["trials_needed"].is_number())
      continue;
    const int needed = m["trials_needed"].get<int>(), n = m["native"]["n"].get<int>();
    if (needed - n > most_needed - trials_so_far) {
      most_needed = needed;
      trials_so_far = n;
      noisiest = m["name"].get<std::string>();
    }
  }
  if (most_needed > trials_so_far) {
    const double so_far =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    report["advice"] = {
        {"metric", noisiest},
        {"trials_needed_per_side", most_needed},
        {"suggested_budget_seconds", std::ceil(so_far + (most_needed - trials_so_far) * last_pair)},
        // The rule looks no further than its plan: a run of the suggested budget plans from
        // its first pair's cost, which may differ from this run's, so the advice names the
        // plan too (--planned-trials fixes it).
        {"suggested_planned_trials", std::max(planned_trials(judged_with), most_needed)}};
  }
  if (interrupted_signal()) return interrupted();
  // The one place that decides pass (decision.hpp): every metric judged on both sides,
  // the same GPU throughout, no failed trial, no audit error.
  const evidence ev =
      gather_evidence(trials, all_samples, j, report["audit"], error, o.container.gpus);
  const auto d = decide_run(ev);
  report["missing_metrics"] = missing_metrics_json(all_samples, ev.missing);
  report["verdict_reason"] = d.reason.empty() ? json(nullptr) : json(d.reason);
  const int code = d.exit_code;
  const std::string& verdict_text = d.verdict;
  if (code == exit_error) return finish(code, verdict_text, d.reason);
  if (!baseline) return finish(code, verdict_text, "");
  // The regression gate: this run's container side against the baseline.
  try {
    const auto candidate = measurements_from_json(report, o.output, "container");
    const json cmp = compare_measurements(*baseline, candidate, o.margins, run_filter(o));
    report["baseline_comparison"] = cmp;
    con.progress("against the baseline " + o.baseline + ": " + cmp["verdict"].get<std::string>());
    return finish(combined_exit_code(code, cmp["exit_code"].get<int>()), verdict_text, "");
  } catch (const measurement_error& e) {
    return finish(exit_error, "error", std::string("baseline comparison failed: ") + e.what());
  }
}

}  // namespace gpuparity::harness
