#pragma once
// `gpuparity simulate`: what this machine can settle in a budget, and how sensitive that
// is. It resamples the samples of recorded run reports (simulate_model.hpp) and runs the
// tool's own loop (schedule_trials, judge, decide_run) on a simulated clock, many times per
// scenario: equal (both sides from the native pool: the A/A false alarms), as recorded,
// and power (each deciding metric's container side slowed by shift x its margin).
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "run.hpp"
#include "simulate_model.hpp"

namespace gpuparity::harness {

struct simulate_options {
  run_options rule;  // budget_s, min/max trials, margins, focus, processes_per_trial
  int runs = 1000;   // simulated runs per scenario (and per metric of the power scenario)
  std::uint64_t seed = 20240601;
  double shift = 2.0;                      // the power scenario's slowdown, in margins
  std::vector<std::string> power_metrics;  // the power scenario's metrics (empty: every
                                           // deciding one)
  int threads = 0;                         // 0: one per core (the result does not depend on it)
};

// The gpuparity-simulation document (results/schema/gpuparity-simulation-v1.schema.json).
// Throws std::invalid_argument for options the recorded runs cannot serve (a shift that
// makes a metric's value negative, a --power-metric that is not a deciding metric).
nlohmann::ordered_json simulate(const recorded_runs& r, const std::vector<std::string>& inputs,
                                const simulate_options& o);

// One line per metric and a summary per scenario, for people.
std::string simulation_table(const nlohmann::ordered_json& doc);

}  // namespace gpuparity::harness
