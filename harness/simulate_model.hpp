#pragma once
// What `gpuparity simulate` resamples: the samples one or more run reports recorded, per
// metric and side, and a cost model of a trial (its start, each case, each invocation), so
// a synthetic trial source can feed the run's own loop (schedule.hpp) on a simulated clock.
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "plan.hpp"
#include "schedule.hpp"
#include "workload_output.hpp"

namespace gpuparity::harness {

struct recorded_metric {
  metric_value kind;         // name, counter, class, orientation
  std::string program;       // the program whose trials measured it
  std::string case_name;     // "stream/copy" of "stream/copy:bytes_per_second"
  bool per_process = false;  // its case ran fanned out over processes (samples: per trial)
  std::vector<double> native, container;
  // For a metric `run` compares in pairs (judge.hpp paired_metric): each report's k-th
  // native and k-th container samples, drawn together so that the machine's moment they
  // shared stays shared. pair_container_equal is the container member with its report's
  // container-vs-native difference taken out (divided by the container side's level where
  // pair_container is divided by the native one): the pairs of an equal container.
  bool paired = false;
  std::vector<double> pair_native, pair_container, pair_container_equal;
};

// Where a synthetic trial's value comes from for a paired metric: the index of its pair,
// the same for both sides' trials of one pair.
struct draw_slot {
  std::size_t pair = 0;
};

// Seconds, per side ([0] native, [1] container).
struct cost_model {
  double start[2] = {0.0, 0.0};  // median recorded start cost
  // Per case: one trial's seconds, or one process's for a case recorded fanned out.
  std::map<std::string, double> per_case[2];
  std::map<std::string, double> per_invocation[2];  // per program: seconds outside its cases
  // The warm-up trial's seconds (median recorded wall; 0: as a full trial of the costs
  // above). A warm-up runs its cases differently (plan.hpp), so it has its own cost.
  double warmup[2] = {0.0, 0.0};
  bool coarse = false;  // some case's cost is a full trial's seconds spread over its cases
};

struct recorded_runs {
  std::vector<std::string> sources;
  std::vector<program> programs;
  std::map<std::string, recorded_metric> metrics;           // by name
  std::map<std::string, std::vector<std::string>> cases;    // program -> its cases
  std::map<std::string, std::vector<std::string>> of_case;  // case -> its metrics
  std::map<std::string, std::string> context;               // gpu_name, gpu_uuid
  cost_model cost;
  double budget_s = 0.0;  // the first report's config.budget_seconds
  // Sources of native-vs-native runs: their second side is pooled as the container side,
  // so the as_recorded scenario of a mix describes neither kind of run.
  std::vector<std::string> native_vs_native;
};

// Read through the validating loader (documents.hpp); throws document_error for a
// document that is no run report, reports of different GPU models, or no metric.
recorded_runs load_recorded(const std::vector<std::string>& paths);

// A small, portable generator: the same seed gives the same draws with any standard library.
struct sim_rng {
  std::uint64_t state;
  std::uint64_t next();
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
};
std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c);

// A value for one metric on one side: the scenario's choice of pool and scaling. For a
// paired metric, `slot.pair` indexes its pairs; an unpaired one draws from its pools with g.
using draw_fn =
    std::function<double(const recorded_metric&, bool container, sim_rng& g, draw_slot slot)>;

// Trials made up from the pools, on a clock that the trials' modelled seconds advance.
struct synthetic_source {
  synthetic_source(const recorded_runs& r, draw_fn draw, std::uint64_t seed);
  trial_source source();
  double now = 0.0;

 private:
  trial make_trial(bool container, int index, const std::vector<planned_program>& plan);
  const recorded_runs& r_;
  draw_fn draw_;
  sim_rng rng_;
  std::uint64_t seed_;
};

}  // namespace gpuparity::harness
