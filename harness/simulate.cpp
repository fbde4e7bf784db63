#include "simulate.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "decision.hpp"
#include "json_util.hpp"
#include "judge.hpp"
#include "schedule.hpp"
#include "stats.hpp"
#include "verify.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;

struct metric_outcome {
  std::string verdict = "unmeasured";
  std::size_t n[2] = {0, 0};  // samples per side when it settled (or at the end)
};

struct run_outcome {
  std::string verdict;
  bool any_degraded = false;
  double seconds = 0.0;
  std::map<std::string, metric_outcome> metrics;
};

// One simulated `gpuparity run`: the run's own loop, judgement and decision. The audit
// is left out: it inspects the container's configuration, which recorded samples lack.
run_outcome simulate_run(const recorded_runs& r, const run_options& rule, const draw_fn& draw,
                         std::uint64_t seed) {
  synthetic_source src(r, draw, seed);
  const schedule_result s = schedule_trials(rule, r.programs, src.source());
  const auto samples = collect(s.trials, s.frozen);
  const judged j = judge(samples, s.judged_with);
  const evidence ev = gather_evidence(s.trials, samples, j, json::array(), s.error);
  const decision d = decide_run(ev);
  run_outcome out{d.verdict, ev.worse > 0, src.now, {}};
  for (const auto& m : j.metrics) {
    const std::string name = m["name"].get<std::string>();
    metric_outcome mo;
    mo.verdict = m["verdict"].get<std::string>();
    const auto f = s.frozen.find(name);
    mo.n[0] = f != s.frozen.end() ? f->second.first : m["native"]["n"].get<std::size_t>();
    mo.n[1] = f != s.frozen.end() ? f->second.second : m["container"]["n"].get<std::size_t>();
    out.metrics[name] = mo;
  }
  return out;
}

// `runs` simulated runs, spread over threads; run i's draws depend only on (seed, stream,
// i), so the outcome does not depend on the threads.
std::vector<run_outcome> simulate_runs(const recorded_runs& r, const simulate_options& o,
                                       const draw_fn& draw, std::uint64_t stream) {
  std::vector<run_outcome> out(static_cast<std::size_t>(o.runs));
  std::atomic<int> next{0};
  const auto work = [&] {
    for (int i = next++; i < o.runs; i = next++)
      out[static_cast<std::size_t>(i)] =
          simulate_run(r, o.rule, draw, mix_seed(o.seed, stream, static_cast<std::uint64_t>(i), 0));
  };
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int n =
      std::min(o.runs, o.threads > 0 ? o.threads : static_cast<int>(std::min(cores, 16u)));
  std::vector<std::thread> pool;
  for (int t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  return out;
}

double fraction(const std::vector<run_outcome>& runs,
                const std::function<bool(const run_outcome&)>& pred) {
  if (runs.empty()) return 0.0;
  const auto k = std::count_if(runs.begin(), runs.end(), pred);
  return static_cast<double>(k) / static_cast<double>(runs.size());
}

// Nearest rank: the smallest value with at least q of the values at or below it.
double quantile(std::vector<double> v, double q) {
  if (v.empty()) return 0.0;
  std::sort(v.begin(), v.end());
  const auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::min(v.size(), std::max<std::size_t>(rank, 1)) - 1];
}

json seconds_json(const std::vector<run_outcome>& runs) {
  std::vector<double> s;
  for (const auto& r : runs) s.push_back(r.seconds);
  return {{"median", quantile(s, 0.5)}, {"p90", quantile(s, 0.9)}};
}

// The median samples per side at which a metric settled (a conclusive verdict); null where
// it never did.
json settled_json(const std::vector<run_outcome>& runs, const std::string& name) {
  std::vector<double> n[2];
  for (const auto& r : runs) {
    const auto m = r.metrics.find(name);
    if (m == r.metrics.end() || m->second.verdict == "inconclusive") continue;
    for (int s : {0, 1}) n[s].push_back(static_cast<double>(m->second.n[s]));
  }
  if (n[0].empty()) return {{"native", nullptr}, {"container", nullptr}};
  return {{"native", quantile(n[0], 0.5)}, {"container", quantile(n[1], 0.5)}};
}

double metric_fraction(const std::vector<run_outcome>& runs, const std::string& name,
                       const std::string& verdict) {
  return fraction(runs, [&](const run_outcome& r) {
    const auto m = r.metrics.find(name);
    return m != r.metrics.end() && m->second.verdict == verdict;
  });
}

json scenario_json(const std::string& name, const std::string& what,
                   const std::vector<run_outcome>& runs, const recorded_runs& r,
                   const run_options& rule) {
  json s = {
      {"name", name},
      {"description", what},
      {"runs", runs.size()},
      {"p_parity", fraction(runs, [](const run_outcome& o) { return o.verdict == "parity"; })},
      {"p_any_degraded", fraction(runs, [](const run_outcome& o) { return o.any_degraded; })},
      {"p_inconclusive",
       fraction(runs, [](const run_outcome& o) { return o.verdict == "inconclusive"; })},
      {"p_error", fraction(runs, [](const run_outcome& o) { return o.verdict == "error"; })},
      {"seconds", seconds_json(runs)},
      {"metrics", json::array()}};
  for (const auto& [m, rec] : r.metrics) {
    json e = metric_identity(rec.kind);
    e["decides"] = rule.margins.decides(rec.kind.cls);
    for (const char* v : {"parity", "degraded", "better", "inconclusive"})
      e[std::string("p_") + v] = metric_fraction(runs, m, v);
    e["settled_samples"] = settled_json(runs, m);
    s["metrics"].push_back(e);
  }
  return s;
}

double pick(const std::vector<double>& pool, sim_rng& g) { return pool[g.below(pool.size())]; }

bool has_pairs(const recorded_metric& m) { return m.paired && !m.pair_native.empty(); }

// Both sides equal: unpaired metrics from the native pool; paired ones from the recorded
// pairs with the container's difference taken out.
double draw_equal(const recorded_metric& m, bool container, sim_rng& g, draw_slot slot) {
  if (!has_pairs(m)) return pick(m.native, g);
  return container ? m.pair_container_equal[slot.pair] : m.pair_native[slot.pair];
}

json power_json(const recorded_runs& r, const simulate_options& o) {
  json p = {{"name", "power"},
            {"description",
             "both sides from the native pool, one deciding metric's container side slowed by "
             "shift x its margin, each metric in turn"},
            {"shift", o.shift},
            {"runs", o.runs},
            {"metrics", json::array()}};
  std::uint64_t stream = 2;
  for (const auto& [name, rec] : r.metrics) {
    ++stream;  // by position among all metrics: a --power-metric subset draws the same
    if (!o.rule.margins.decides(rec.kind.cls)) continue;
    if (!o.power_metrics.empty() &&
        std::find(o.power_metrics.begin(), o.power_metrics.end(), name) == o.power_metrics.end())
      continue;
    const double margin = o.rule.margins.of(rec.kind.cls);
    const double factor = 1.0 - o.shift * margin;
    const std::string target = name;
    const bool higher = rec.kind.higher_is_better;
    const draw_fn draw = [&target, factor, higher](const recorded_metric& m, bool container,
                                                   sim_rng& g, draw_slot slot) {
      const double v = draw_equal(m, container, g, slot);
      if (!container || m.kind.name != target) return v;
      return higher ? v * factor : v / factor;
    };
    const auto runs = simulate_runs(r, o, draw, stream);
    json e = metric_identity(rec.kind);
    e["margin"] = margin;
    e["slowdown"] = o.shift * margin;
    e["p_degraded"] = metric_fraction(runs, name, "degraded");
    e["p_parity"] = metric_fraction(runs, name, "parity");
    e["p_run_not_parity"] =
        fraction(runs, [](const run_outcome& x) { return x.verdict != "parity"; });
    e["seconds"] = seconds_json(runs);
    e["settled_samples"] = settled_json(runs, name);
    p["metrics"].push_back(e);
  }
  return p;
}

void check_options(const recorded_runs& r, const simulate_options& o) {
  if (o.runs < 1) throw std::invalid_argument("--runs must be at least 1");
  if (!(o.shift >= 0.0) || !std::isfinite(o.shift))
    throw std::invalid_argument("--shift must be a finite number at or above 0");
  for (const auto& [name, rec] : r.metrics)
    if (o.rule.margins.decides(rec.kind.cls) && o.shift * o.rule.margins.of(rec.kind.cls) >= 1.0)
      throw std::invalid_argument("--shift " + std::to_string(o.shift) + " slows " + name +
                                  " by its margin times the shift, 100% or more: give less");
  for (const auto& name : o.power_metrics) {
    const auto m = r.metrics.find(name);
    if (m == r.metrics.end() || !o.rule.margins.decides(m->second.kind.cls))
      throw std::invalid_argument("--power-metric " + name +
                                  " is not a deciding metric of the reports");
  }
}

}  // namespace

json simulate(const recorded_runs& r, const std::vector<std::string>& inputs,
              const simulate_options& o) {
  check_options(r, o);
  const run_options& rule = o.rule;
  json doc = {{"kind", "gpuparity-simulation"},
              {"schema_version", 1},
              {"producer", producer_json()},
              {"inputs", inputs}};
  doc["options"] = {{"runs", o.runs},
                    {"seed", o.seed},
                    {"shift", o.shift},
                    {"budget_seconds", rule.budget_s},
                    {"power_metrics", o.power_metrics}};
  doc["rule"] = {{"confidence", final_look_confidence},
                 {"sequential", rule_json(rule)},
                 {"margins", margins_json(rule.margins)},
                 {"min_trials", rule.min_trials},
                 {"max_trials", rule.max_trials},
                 {"processes_per_trial", rule.processes_per_trial},
                 {"focus", rule.focus},
                 {"budget_seconds", rule.budget_s}};
  doc["cost_model"] = {
      {"coarse", r.cost.coarse},
      {"note", r.cost.coarse ? "some reports have no case_seconds: a case costs an even share of "
                               "its program's full-trial seconds (coarse)"
                             : "per case: median recorded case_seconds"},
      {"start_seconds", {{"native", r.cost.start[0]}, {"container", r.cost.start[1]}}}};
  const draw_fn equal = draw_equal;
  const draw_fn recorded = [](const recorded_metric& m, bool container, sim_rng& g,
                              draw_slot slot) {
    if (has_pairs(m)) return container ? m.pair_container[slot.pair] : m.pair_native[slot.pair];
    return pick(container ? m.container : m.native, g);
  };
  doc["scenarios"] = json::array();
  doc["scenarios"].push_back(scenario_json(
      "equal", "both sides from the native pool: how often parity, how often a false degraded",
      simulate_runs(r, o, equal, 0), r, rule));
  doc["scenarios"].push_back(scenario_json("as_recorded",
                                           "native from the native pool, container from the "
                                           "container pool",
                                           simulate_runs(r, o, recorded, 1), r, rule));
  doc["power"] = power_json(r, o);
  return doc;
}

std::string simulation_table(const json& doc) {
  std::string out;
  char line[512];
  const auto& opt = doc["options"];
  std::snprintf(line, sizeof line,
                "gpuparity simulate: %zu report(s), %d runs per scenario, budget %.0f s, seed "
                "%llu%s\n",
                doc["inputs"].size(), opt["runs"].get<int>(), opt["budget_seconds"].get<double>(),
                static_cast<unsigned long long>(opt["seed"].get<std::uint64_t>()),
                doc["cost_model"]["coarse"].get<bool>()
                    ? " (cost model coarse: no case_seconds recorded)"
                    : "");
  out += line;
  for (const auto& s : doc["scenarios"]) {
    out += "\nscenario " + s["name"].get<std::string>() + ": " +
           s["description"].get<std::string>() + "\n";
    std::snprintf(line, sizeof line, "  %-46s %7s %8s %7s %8s %9s\n", "metric", "parity",
                  "degraded", "better", "inconcl.", "settled n");
    out += line;
    for (const auto& m : s["metrics"]) {
      const auto& n = m["settled_samples"]["native"];
      std::snprintf(line, sizeof line, "  %-46s %7.3f %8.3f %7.3f %8.3f %9s%s\n",
                    m["name"].get<std::string>().c_str(), m["p_parity"].get<double>(),
                    m["p_degraded"].get<double>(), m["p_better"].get<double>(),
                    m["p_inconclusive"].get<double>(),
                    n.is_null() ? "-" : std::to_string(static_cast<int>(n.get<double>())).c_str(),
                    m["decides"].get<bool>() ? "" : "  (informational)");
      out += line;
    }
    std::snprintf(line, sizeof line,
                  "  run: P(parity) %.3f, P(any degraded) %.3f, P(inconclusive) %.3f; "
                  "seconds median %.0f, p90 %.0f\n",
                  s["p_parity"].get<double>(), s["p_any_degraded"].get<double>(),
                  s["p_inconclusive"].get<double>(), s["seconds"]["median"].get<double>(),
                  s["seconds"]["p90"].get<double>());
    out += line;
  }
  const auto& p = doc["power"];
  std::snprintf(line, sizeof line,
                "\npower: the container side of one metric slowed by %.2f x its margin\n"
                "  %-46s %8s %11s %9s %15s %9s %8s\n",
                p["shift"].get<double>(), "metric", "slowdown", "P(degraded)", "P(parity)",
                "P(run !parity)", "settled n", "median s");
  out += line;
  for (const auto& m : p["metrics"]) {
    const auto& n = m["settled_samples"]["native"];
    std::snprintf(line, sizeof line, "  %-46s %7.1f%% %11.3f %9.3f %15.3f %9s %8.0f\n",
                  m["name"].get<std::string>().c_str(), 100.0 * m["slowdown"].get<double>(),
                  m["p_degraded"].get<double>(), m["p_parity"].get<double>(),
                  m["p_run_not_parity"].get<double>(),
                  n.is_null() ? "-" : std::to_string(static_cast<int>(n.get<double>())).c_str(),
                  m["seconds"]["median"].get<double>());
    out += line;
  }
  return out;
}

}  // namespace gpuparity::harness
