#include "trial.hpp"

#include <unistd.h>

#include "interrupt.hpp"
#include "runtime.hpp"
#include "telemetry.hpp"
#include "verify.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;
using gpuparity::median;

std::string first_line(const std::string& s) {
  const auto e = s.find('\n');
  return s.substr(0, e == std::string::npos ? s.size() : e);
}

std::string tail_of(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(s.size() - n);
}

std::vector<std::string> runner::side_command(bool container, int id,
                                              const std::vector<std::string>& workload) const {
  if (!container || o_.native_vs_native) return workload;
  return container_command(o_.container, container_name(id), workload);
}

std::string runner::container_name(int id) const {
  return "gpuparity-" + std::to_string(getpid()) + "-" + std::to_string(id);
}

environment_list runner::side_environment(bool container) const {
  if (container && !o_.native_vs_native) return {};
  return native_gpu_environment(o_.container.gpus);
}

process_result runner::run(bool container, const std::vector<std::string>& workload,
                           std::vector<std::string>* command) {
  const int id = ++sequence_;
  const auto cmd = side_command(container, id, workload);
  if (command) *command = cmd;
  auto r = run_process(cmd, o_.trial_timeout_s, side_environment(container));
  // Killing the client's process group does not stop a container the engine's daemon
  // runs: whenever the client was killed, the container is killed by name.
  if ((r.timed_out || r.interrupted || r.truncated) && container && !o_.native_vs_native) {
    const auto kill = kill_command(o_.container, container_name(id));
    if (!kill.empty()) run_process(kill, 30.0, {}, on_interrupt::carry_on);
  }
  return r;
}

// Samples per process are the harness's to ask for (plan.hpp): a process_index it did not
// ask for (a run not fanned out, or beyond its count) would count one measurement as many.
static std::string unasked_process_error(const program_run& pr, int processes) {
  for (const auto& v : pr.out.metrics)
    if (v.process >= 0 && (processes < 2 || v.process >= processes))
      return pr.program + " " + v.name + ": process_index " + std::to_string(v.process) +
             (processes < 2
                  ? " in a run that was not fanned out over processes"
                  : " in a run fanned out over " + std::to_string(processes) + " processes");
  return "";
}

trial runner::run_trial(bool container, int index, const std::vector<planned_program>& programs) {
  trial t;
  t.index = index;
  t.container = container;
  const auto start = std::chrono::steady_clock::now();
  t.t_start = std::chrono::duration<double>(start - origin_).count();
  const auto cost = run(container, {"true"});
  t.start_cost_s = cost.seconds;
  for (const auto& p : programs) {
    program_run pr;
    pr.program = p.prog.name;
    const auto workload = workload_argv(p, !container || o_.native_vs_native, o_);
    pr.proc = run(container, workload, &pr.command);
    pr.out = parse_workload_output(pr.proc.out);
    if (t.error.empty()) t.error = error_of(pr);
    if (t.error.empty()) t.error = unasked_process_error(pr, p.processes);
    t.runs.push_back(std::move(pr));
    if (!t.error.empty()) break;
  }
  const auto end = std::chrono::steady_clock::now();
  t.wall_s = std::chrono::duration<double>(end - start).count();
  t.t_end = std::chrono::duration<double>(end - origin_).count();
  return t;
}

std::string runner::error_of(const program_run& pr) {
  const auto& p = pr.proc;
  if (p.not_found) return pr.program + " could not be started: " + p.exec_error;
  if (p.interrupted)
    return pr.program + " was stopped: gpuparity was interrupted by " +
           signal_name(interrupted_signal());
  if (p.truncated)
    return pr.program + " wrote more than " + std::to_string(capture_limit_bytes >> 20) +
           " MiB to stdout or stderr and was killed (a workload's report is kilobytes)";
  const std::string held =
      "a process it started outside its process group (setsid?) still holds its output "
      "open, which gpuparity cannot stop";
  if (p.timed_out)
    return pr.program + " did not finish within the trial timeout and was killed" +
           (p.output_held_open ? "; " + held : "");
  if (p.output_held_open) return pr.program + " exited, but " + held;
  if (p.signal) return pr.program + " was killed by signal " + std::to_string(p.signal);
  for (const auto& f : pr.out.failures)
    if (f.status != "not_supported") return pr.program + " " + f.case_name + ": " + f.message;
  if (!pr.out.parsed) {
    const std::string why = first_line(tail_of(p.err, 600));
    return pr.program + " exited " + std::to_string(p.exit_code) + " without a report (" +
           pr.out.parse_error + ")" + (why.empty() ? "" : ": " + why);
  }
  if (p.exit_code != 0) {
    const auto e = pr.out.context.find("gpuparity_error");
    return pr.program + " exited " + std::to_string(p.exit_code) +
           (e != pr.out.context.end() ? ": " + e->second : "");
  }
  return "";
}

json trial_json(const trial& t) {
  json j;
  j["side"] = t.container ? "container" : "native";
  j["index"] = t.index;
  j["warmup"] = t.index == 0;
  j["wall_seconds"] = t.wall_s;
  j["t_start_seconds"] = t.t_start;
  j["t_end_seconds"] = t.t_end;
  j["throttled"] = t.throttling != 0;
  j["throttle_reasons"] = clock_event_reason_names(t.throttling);
  j["start_cost_seconds"] = t.start_cost_s;
  j["error"] = t.error.empty() ? json(nullptr) : json(t.error);
  j["programs"] = json::array();
  for (const auto& r : t.runs) {
    json p;
    p["program"] = r.program;
    p["command"] = r.command;
    p["exit_code"] = r.proc.exit_code;
    p["timed_out"] = r.proc.timed_out;
    p["seconds"] = r.proc.seconds;
    // One value per metric; a run fanned out over processes also keeps each process's.
    std::map<std::string, std::vector<double>> by_name;
    bool fanned = false;
    for (const auto& v : r.out.metrics) {
      by_name[v.name].push_back(v.value);
      fanned |= v.process >= 0;
    }
    json values = json::object(), per_process = json::object();
    for (const auto& [name, vs] : by_name) {
      values[name] = median(vs);
      if (fanned) per_process[name] = vs;
    }
    p["metrics"] = values;
    if (fanned) p["process_metrics"] = per_process;
    if (!r.out.case_seconds.empty()) p["case_seconds"] = r.out.case_seconds;
    p["failures"] = json::array();
    for (const auto& f : r.out.failures)
      p["failures"].push_back(
          {{"case", f.case_name}, {"status", f.status}, {"message", f.message}});
    p["stderr_tail"] = tail_of(r.proc.err, 1500);
    j["programs"].push_back(p);
  }
  return j;
}

case_map measured_cases(const std::vector<trial>& trials) {
  case_map cases;
  for (const auto& t : trials)
    for (const auto& r : t.runs)
      for (const auto& v : r.out.metrics) {
        const std::string case_name = v.name.substr(0, v.name.rfind(':'));
        cases[r.program][case_name.substr(0, case_name.find('/'))].insert(case_name);
      }
  return cases;
}

}  // namespace gpuparity::harness
