#include "simulate_model.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "documents.hpp"
#include "json_util.hpp"
#include "plan.hpp"
#include "verify.hpp"

namespace gpuparity::harness {
namespace {

using json = nlohmann::ordered_json;
using gpuparity::median;

// The raw material of the cost model, per side ([0] native, [1] container).
struct cost_samples {
  std::vector<double> start[2];
  std::map<std::string, std::vector<double>> per_case[2], per_invocation[2];
  // A program's seconds when it ran every case (no --benchmark_filter of the run's own, or
  // the default one, which leaves out only the node-wide families):
  // measured trials first, warm-ups only where no measured trial did.
  std::map<std::string, std::vector<double>> full[2], full_warmup[2];
  std::vector<double> warmup[2];  // warm-up trials' wall seconds
  // Case seconds of warm-ups, used only for a case no measured trial ran.
  std::map<std::string, std::vector<double>> warmup_case[2];
};

double number_or(const json& o, const char* key, double fallback) {
  return o.is_object() && o.contains(key) && o[key].is_number() ? o[key].get<double>() : fallback;
}

bool ran_every_case(const json& p) {
  if (!p.contains("command") || !p["command"].is_array()) return false;
  const std::string every = std::string("--benchmark_filter=") + default_filter;
  for (const auto& a : p["command"])
    if (a.is_string() && a.get<std::string>().rfind("--benchmark_filter=", 0) == 0 && a != every)
      return false;
  return true;
}

// How many processes a fanned-out invocation ran a case in (its case_seconds is their sum).
std::size_t processes_of(const json& p, const std::string& case_name) {
  if (!p.contains("process_metrics") || !p["process_metrics"].is_object()) return 1;
  for (const auto& [name, values] : p["process_metrics"].items())
    if (name.substr(0, name.rfind(':')) == case_name && values.is_array() && !values.empty())
      return values.size();
  return 1;
}

void read_trials(const json& doc, std::map<std::string, std::string>& program_of, cost_samples& c) {
  for (const auto& t : doc["trials"]) {
    if (!t["error"].is_null()) continue;
    const int s = t["side"] == "container";
    const bool warmup = t["warmup"].get<bool>();
    if (!warmup && t.contains("start_cost_seconds") && t["start_cost_seconds"].is_number())
      c.start[s].push_back(t["start_cost_seconds"].get<double>());
    if (warmup && t.contains("wall_seconds") && t["wall_seconds"].is_number())
      c.warmup[s].push_back(t["wall_seconds"].get<double>());
    for (const auto& p : t["programs"]) {
      const std::string prog = json_text(p, "program");
      for (const auto& [name, v] : p["metrics"].items()) program_of.emplace(name, prog);
      const double seconds = number_or(p, "seconds", -1.0);
      if (seconds < 0) continue;
      if (p.contains("case_seconds") && p["case_seconds"].is_object()) {
        double sum = 0.0;
        for (const auto& [case_name, v] : p["case_seconds"].items()) {
          if (!v.is_number()) continue;
          sum += v.get<double>();
          (warmup ? c.warmup_case : c.per_case)[s][case_name].push_back(
              v.get<double>() / static_cast<double>(processes_of(p, case_name)));
        }
        c.per_invocation[s][prog].push_back(std::max(0.0, seconds - sum));
      } else if (ran_every_case(p)) {
        (warmup ? c.full_warmup : c.full)[s][prog].push_back(seconds);
      }
    }
  }
}

void read_metrics(const json& doc, const std::map<std::string, std::string>& program_of,
                  const std::string& first_program, recorded_runs& r) {
  for (const auto& entry : doc["metrics"]) {
    const metric_value kind = metric_from_identity(entry);
    auto& m = r.metrics[kind.name];
    if (m.kind.name.empty()) {
      m.kind = kind;
      m.case_name = kind.name.substr(0, kind.name.rfind(':'));
      const auto p = program_of.find(kind.name);
      m.program = p == program_of.end() ? first_program : p->second;
    }
    // This report's samples, per side. Reports before samples became per trial held one
    // sample per process; processes of one trial correlate, so the pool is rebuilt per
    // trial (the median of its processes), as collect() makes samples now: resampling
    // processes alone would be optimistic.
    std::vector<double> side[2];
    const bool per_process_samples = json_text(entry, "replication_unit") == "process";
    m.per_process |= per_process_samples || entry.contains("processes_per_sample");
    if (per_process_samples) {
      for (const auto& t : doc["trials"]) {
        if (t["warmup"].get<bool>() || !t["error"].is_null()) continue;
        for (const auto& p : t["programs"]) {
          if (!p.contains("process_metrics") || !p["process_metrics"].contains(kind.name))
            continue;
          std::vector<double> vs;
          for (const auto& v : p["process_metrics"][kind.name])
            if (v.is_number()) vs.push_back(v.get<double>());
          if (!vs.empty()) side[t["side"] == "container"].push_back(median(vs));
        }
      }
    } else {
      for (int c : {0, 1})
        for (const auto& v : entry[c ? "container" : "native"]["samples"])
          side[c].push_back(v.get<double>());
    }
    // Centred on this run's native level: a run's level (the GPU's temperature, the host's
    // state that day) is shared by both of its interleaved sides, so pooling several runs
    // must not count the differences between runs as noise within one (on the H100 that
    // made the pooled fp8 GEMM look 10x noisier than inside any run). What remains is each
    // run's spread and its container-vs-native difference.
    // The level is the geometric mean, not the median: a median is one of the samples,
    // and every run adding an exact 1.0 to the pool would make ties the resampling does
    // not have in reality.
    if (side[0].empty()) continue;
    const auto level_of = [](const std::vector<double>& v) {
      double log_sum = 0.0;
      for (double x : v) log_sum += std::log(x);
      return std::exp(log_sum / static_cast<double>(v.size()));
    };
    const double level = level_of(side[0]);
    for (int c : {0, 1})
      for (double v : side[c]) (c ? m.container : m.native).push_back(v / level);
    m.paired = process_unit(m.case_name);
    if (m.paired && !side[1].empty()) {
      const double container_level = level_of(side[1]);
      for (std::size_t k = 0; k < std::min(side[0].size(), side[1].size()); ++k) {
        m.pair_native.push_back(side[0][k] / level);
        m.pair_container.push_back(side[1][k] / level);
        m.pair_container_equal.push_back(side[1][k] / container_level);
      }
    }
  }
}

// Medians of the samples; a case with no case_seconds takes an even share of its
// program's full-trial seconds (coarse); a side with nothing takes the other side's.
cost_model make_cost(const cost_samples& c, const recorded_runs& r) {
  cost_model m;
  for (int s : {0, 1}) {
    const int o = 1 - s;
    const auto& start = c.start[s].empty() ? c.start[o] : c.start[s];
    m.start[s] = start.empty() ? 0.0 : median(start);
    const auto& warmup = c.warmup[s].empty() ? c.warmup[o] : c.warmup[s];
    m.warmup[s] = warmup.empty() ? 0.0 : median(warmup);
    for (const auto& [prog, cases] : r.cases) {
      using by_side = std::map<std::string, std::vector<double>>[2];
      const auto pick = [&](const by_side& v, const std::string& key) {
        for (int side : {s, o}) {
          const auto it = v[side].find(key);
          if (it != v[side].end() && !it->second.empty()) return &it->second;
        }
        return static_cast<const std::vector<double>*>(nullptr);
      };
      const auto* inv = pick(c.per_invocation, prog);
      m.per_invocation[s][prog] = inv ? median(*inv) : 0.0;
      const auto* full = pick(c.full, prog);
      if (!full) full = pick(c.full_warmup, prog);
      for (const auto& k : cases) {
        if (const auto* v = pick(c.per_case, k)) {
          m.per_case[s][k] = median(*v);
        } else if (const auto* w = pick(c.warmup_case, k)) {
          m.per_case[s][k] = median(*w);
        } else if (full) {
          m.per_case[s][k] = median(*full) / static_cast<double>(cases.size());
          m.coarse = true;
        }
      }
    }
  }
  return m;
}

}  // namespace

recorded_runs load_recorded(const std::vector<std::string>& paths) {
  recorded_runs r;
  cost_samples c;
  std::map<std::string, std::string> program_of;  // metric -> program
  for (const auto& path : paths) {
    const document d = load_document(path);
    if (d.kind != document_kind::run_report)
      throw document_error(path + " is a " + document_kind_name(d.kind) +
                           ", not a `gpuparity run` report");
    const json& doc = d.body;
    const std::string gpu = json_text(doc["sides"]["native"], "gpu_name");
    if (r.sources.empty()) {
      r.budget_s = number_or(doc["config"], "budget_seconds", 120.0);
      for (const char* k : {"gpu_name", "gpu_uuid"})
        r.context[k] = json_text(doc["sides"]["native"], k);
    } else if (gpu != r.context["gpu_name"]) {
      throw document_error(path + " was measured on " + (gpu.empty() ? "an unnamed GPU" : gpu) +
                           ", " + r.sources.front() + " on " + r.context["gpu_name"] +
                           ": pool reports of one GPU model");
    }
    r.sources.push_back(path);
    if (json_text(doc, "mode") == "native-vs-native") r.native_vs_native.push_back(path);
    for (const auto& p : doc["programs"]) {
      const std::string name = json_text(p, "name");
      if (std::none_of(r.programs.begin(), r.programs.end(),
                       [&](const program& q) { return q.name == name; }))
        r.programs.push_back({name, json_text(p, "native_path")});
    }
    read_trials(doc, program_of, c);
    read_metrics(doc, program_of, r.programs.empty() ? "" : r.programs.front().name, r);
  }
  if (r.metrics.empty())
    throw document_error(paths.front() + " has no metric measured on both sides to resample");
  for (const auto& [name, m] : r.metrics) {
    auto& cases = r.cases[m.program];
    if (std::find(cases.begin(), cases.end(), m.case_name) == cases.end())
      cases.push_back(m.case_name);
    r.of_case[m.case_name].push_back(name);
  }
  // A program that measured nothing judged runs no case here either.
  r.programs.erase(std::remove_if(r.programs.begin(), r.programs.end(),
                                  [&](const program& p) { return !r.cases.count(p.name); }),
                   r.programs.end());
  r.cost = make_cost(c, r);
  return r;
}

// splitmix64: a fixed recurrence, so draws do not depend on the standard library.
std::uint64_t sim_rng::next() {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::uint64_t mix_seed(std::uint64_t seed, std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  sim_rng g{seed};
  for (std::uint64_t x : {a, b, c}) g.state ^= g.next() + x;
  return g.next();
}

namespace {

// FNV-1a: a name's hash that is the same with any standard library (std::hash is not).
std::uint64_t fnv1a(const std::string& s) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

// A walk through 0..n-1 that visits each once in its first n steps: start and stride from
// the run's draw h, the stride coprime with n.
std::size_t pair_for(std::size_t n, std::size_t step, std::uint64_t h) {
  if (n < 2) return 0;
  std::size_t stride = 1 + static_cast<std::size_t>((h >> 32) % (n - 1));
  while (std::gcd(stride, n) != 1) stride = stride % (n - 1) + 1;
  return static_cast<std::size_t>((h % n + step * stride) % n);
}

}  // namespace

synthetic_source::synthetic_source(const recorded_runs& r, draw_fn draw, std::uint64_t seed)
    : r_(r), draw_(std::move(draw)), rng_{seed}, seed_(seed) {}

trial_source synthetic_source::source() {
  trial_source s;
  s.run = [this](bool container, int index, const std::vector<planned_program>& plan) {
    return make_trial(container, index, plan);
  };
  s.elapsed = [this] { return now; };
  return s;
}

trial synthetic_source::make_trial(bool container, int index,
                                   const std::vector<planned_program>& plan) {
  static const std::vector<std::string> none;
  const int s = container;
  trial t;
  t.index = index;
  t.container = container;
  t.t_start = now;
  t.start_cost_s = r_.cost.start[s];
  double wall = t.start_cost_s;
  for (const auto& p : plan) {
    program_run pr;
    pr.program = p.prog.name;
    pr.proc.exit_code = 0;
    pr.out.parsed = true;
    pr.out.context = r_.context;
    const auto all = r_.cases.find(p.prog.name);
    const auto& cases = !p.cases.empty() ? p.cases : all == r_.cases.end() ? none : all->second;
    const int copies = std::max(1, p.processes);
    const auto inv = r_.cost.per_invocation[s].find(p.prog.name);
    double seconds = inv == r_.cost.per_invocation[s].end() ? 0.0 : inv->second;
    for (const auto& c : cases) {
      const auto cost = r_.cost.per_case[s].find(c);
      const double case_s = (cost == r_.cost.per_case[s].end() ? 0.0 : cost->second) * copies;
      pr.out.case_seconds[c] = case_s;
      seconds += case_s;
      const auto names = r_.of_case.find(c);
      if (names == r_.of_case.end()) continue;
      for (const auto& name : names->second) {
        const auto& m = r_.metrics.at(name);
        // A paired metric: the pair this trial index draws, the same on both sides, and
        // within one run no recorded pair twice (until the pool is used up): a repeated pair
        // would shrink the pairs' spread, which real pairs never repeat.
        draw_slot slot;
        if (m.paired && !m.pair_native.empty())
          slot.pair = pair_for(m.pair_native.size(), static_cast<std::size_t>(index),
                               mix_seed(seed_, fnv1a(name), 1, 0));
        // A fanned-out case: one drawn trial sample (the median of a recorded trial's
        // processes) for all its processes, so the trial's median is that sample.
        const double drawn = p.processes > 0 ? draw_(m, container, rng_, slot) : 0.0;
        for (int k = 0; k < copies; ++k) {
          metric_value v = m.kind;
          v.value = p.processes > 0 ? drawn : draw_(m, container, rng_, slot);
          v.process = p.processes > 0 ? k : -1;
          pr.out.metrics.push_back(v);
        }
      }
    }
    pr.proc.seconds = seconds;
    wall += seconds;
    t.runs.push_back(std::move(pr));
  }
  // The warm-up's samples are discarded; its time is what it cost when recorded.
  if (index == 0 && r_.cost.warmup[s] > 0.0) wall = r_.cost.warmup[s];
  t.wall_s = wall;
  now += wall;
  t.t_end = now;
  return t;
}

}  // namespace gpuparity::harness
