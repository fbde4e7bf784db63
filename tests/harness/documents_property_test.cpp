// Hostile documents, systematically: real committed documents (a run report, a baseline, a
// comparison, Google Benchmark JSON) with each field gpuparity reads removed or replaced by
// a value of another type or out of range, the file truncated, the schema version changed,
// the verdict set to error, a failed case added. `compare`, `baseline` and `report` run on
// each as a user runs them. Properties:
//   1. the process exits normally with 0, 1, 3, 4 or 5 (never a signal, never an abort);
//   2. an invalid document (by document_oracle.hpp, written from results/schema) gives 4
//      with "ERROR:" on stderr;
//   3. `compare` says no_regression (0) only for a harmless mutation: a field it does not
//      read, a sample value (a measurement is a measurement), or one that leaves what was
//      judged (metrics, medians, verdicts, the lists of the unjudged) as it was.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <iostream>
#include <nlohmann/json.hpp>

#include "../run_program.hpp"
#include "document_oracle.hpp"

namespace gpuparity {
namespace {

using json = nlohmann::ordered_json;
using test::oracle;
using test::path;
using test::pattern;
using test::rule_of;
using test::run_program;
using test::satisfies;

std::string shown(const path& p) {
  std::string s;
  for (const auto& x : p) s += x.index ? "[" + x.key + "]" : (s.empty() ? "" : ".") + x.key;
  return s;
}

json& at(json& doc, const path& p, std::size_t n) {
  json* v = &doc;
  for (std::size_t i = 0; i < n; ++i)
    v = p[i].index ? &(*v)[std::stoul(p[i].key)] : &(*v)[p[i].key];
  return *v;
}

// Every field, first array elements only.
void walk(const json& v, path& p, std::vector<path>& out) {
  if (v.is_object()) {
    // A map of facts or values (scalars only: a side's 40 facts, a program's metrics): two of
    // them, and those the comparison reads, stand for the rest.
    const bool map = v.size() > 4 && std::all_of(v.begin(), v.end(), [](const json& x) {
                       return x.is_string() || x.is_number();
                     });
    int n = 0;
    for (const auto& [k, c] : v.items()) {
      if (map && n++ >= 2 && k != "gpu_name" && k != "power_limit_w") continue;
      p.push_back({k, false});
      out.push_back(p);
      walk(c, p, out);
      p.pop_back();
    }
  } else if (v.is_array() && !v.empty()) {
    p.push_back({"0", true});
    out.push_back(p);
    walk(v[0], p, out);
    p.pop_back();
  }
}

enum class seed_kind { run_report, baseline, comparison, benchmark };

struct mutant {
  std::string what;
  std::string text;              // the file's content
  bool invalid = false;          // every command must refuse it (4, ERROR)
  bool measure_invalid = false;  // compare and baseline must (report may render it)
  bool compare_invalid = false;  // compare must (a metric it lacks, a failed case)
  bool may_pass = false;         // harmless for compare: not read, or a sample value
};

const json replacements[] = {"x", nullptr, json::object(), json::array(), -1, 0, 1e308, true};

// A sample of a measurement (not telemetry's): any positive value of it is a measurement.
bool is_sample(const path& p) {
  const std::string s = pattern(p);
  return s.find("samples") != std::string::npos && s.rfind("telemetry", 0) != 0;
}

mutant removal(const json& seed, const path& p, const oracle& o, seed_kind kind) {
  json doc = seed;
  json& parent = at(doc, p, p.size() - 1);
  const std::string* rule = rule_of(o, p);
  mutant m;
  m.what = "remove " + shown(p);
  if (p.back().index) {
    const path up(p.begin(), p.end() - 1);
    const std::string* array_rule = rule_of(o, up);
    m.invalid =
        array_rule && ((*array_rule == "arr+" && parent.size() == 1) || *array_rule == "row");
    // The candidate's measurements lose one: the baseline's metric is missing.
    const std::string u = pattern(up);
    m.compare_invalid = (kind == seed_kind::run_report && u == "metrics") ||
                        (kind == seed_kind::benchmark && u == "benchmarks");
    parent.erase(0);
  } else {
    const std::string& key = p.back().key;
    m.invalid = rule && (*rule)[0] != '?' && key != "t_end_seconds";
    if (key == "throttle_reasons" && parent.value("throttled", false)) m.invalid = true;
    if (key == "t_start_seconds") m.invalid = false;
    parent.erase(key);
  }
  m.may_pass = !rule || is_sample(p);
  m.text = doc.dump();
  return m;
}

std::vector<mutant> field_mutants(const json& seed, const oracle& o, seed_kind kind) {
  std::vector<path> paths;
  path p;
  walk(seed, p, paths);
  std::vector<mutant> out;
  for (const auto& fp : paths) {
    out.push_back(removal(seed, fp, o, kind));
    const std::string* rule = rule_of(o, fp);
    // A field gpuparity does not read: removed (above) and one other type are enough.
    for (const auto& r : replacements) {
      if (!rule && !r.is_object()) continue;
      json doc = seed;
      json& v = at(doc, fp, fp.size());
      mutant m;
      m.what = shown(fp) + " = " + r.dump();
      m.invalid = rule && !satisfies(*rule, r, v);
      // A trial that failed: a valid report, and no evidence for a comparison.
      m.measure_invalid = pattern(fp) == "trials[].error" && r.is_string();
      if (kind == seed_kind::run_report && pattern(fp) == "metrics" && r.empty())
        m.measure_invalid = true;
      m.may_pass = !rule || is_sample(fp);
      v = r;
      m.text = doc.dump();
      out.push_back(std::move(m));
    }
  }
  return out;
}

// What a mutant must get: refused by every command, by compare and baseline (a valid report
// that is no evidence), by compare alone (it lacks a metric), or it may pass (harmless).
enum expect : unsigned {
  any = 0,
  refused = 1,
  measure_refused = 2,
  compare_refused = 4,
  may_pass = 8
};

struct mutant_list {
  const json& seed;
  std::vector<mutant> out;
  void add(const std::string& what, const std::function<void(json&)>& edit, unsigned e) {
    json doc = seed;
    edit(doc);
    out.push_back({what, doc.dump(), (e & refused) != 0, (e & measure_refused) != 0,
                   (e & compare_refused) != 0, (e & may_pass) != 0});
  }
};

void whole_document_mutants(mutant_list& l, seed_kind kind) {
  const std::string text = l.seed.dump();
  for (std::size_t cut : {text.size() / 3, 2 * text.size() / 3, text.size() - 1})
    l.out.push_back(
        {"truncated at " + std::to_string(cut), text.substr(0, cut), true, false, false, false});
  for (const char* junk : {"", "null", "[]", "{}", "\"x\"", "{\"kind\": 5}"})
    l.out.push_back({std::string("the file is ") + junk, junk, true, false, false, false});
  for (const json& v : {json(2), json(0), json("1"), json(1.0)})
    l.add(
        "schema_version = " + v.dump(), [&](json& d) { d["schema_version"] = v; },
        kind == seed_kind::benchmark ? any : refused);  // benchmark JSON has no version of ours
}

void run_report_mutants(mutant_list& l) {
  l.add(
      "verdict = error",
      [](json& d) {
        d["verdict"] = "error";
        d["error"] = "a trial failed";
        d["exit_code"] = 4;
      },
      measure_refused);
  const json incorrect = {
      {"case", "stream/copy"}, {"status", "incorrect"}, {"message", "incorrect: 3 differ"}};
  for (const std::string side : {"native", "container"})
    l.add(
        "an incorrect case on the " + side + " side",
        [&](json& d) {
          for (auto& t : d["trials"])
            if (t["side"] == side && !t["warmup"].get<bool>()) {
              t["programs"][0]["failures"].push_back(incorrect);
              break;
            }
        },
        measure_refused);
  l.add(
      "a trial failed", [](json& d) { d["trials"][1]["error"] = "exited with signal 11"; },
      measure_refused);
  l.add(
      "an audit error",
      [](json& d) {
        d["audit"].push_back({{"id", "no_gpu_in_container"},
                              {"severity", "error"},
                              {"title", "no GPU"},
                              {"native", "1"},
                              {"container", "0"},
                              {"fix", "pass --gpus"},
                              {"explains", json::array()}});
      },
      measure_refused);
  l.add(
      "a metric twice", [](json& d) { d["metrics"][1] = d["metrics"][0]; }, measure_refused);
  l.add(
      "one metric kept", [](json& d) { d["metrics"] = json::array({d["metrics"][0]}); },
      compare_refused);
  for (std::size_t i = 0; i < l.seed["metrics"].size(); ++i)
    l.add(
        "metrics[" + std::to_string(i) + "] orientation flipped",
        [i](json& d) {
          auto& h = d["metrics"][i]["higher_is_better"];
          h = !h.get<bool>();
        },
        refused);
  l.add(
      "another GPU model", [](json& d) { d["sides"]["container"]["gpu_name"] = "NVIDIA H200"; },
      any);
  l.add(
      "100000 samples",
      [](json& d) {
        auto& s = d["metrics"][0]["container"]["samples"];
        s = json(std::vector<double>(100000, s[0].get<double>()));
      },
      may_pass);
  l.add(
      "100000 strings for audit",
      [](json& d) { d["audit"] = json(std::vector<std::string>(100000, "x")); }, refused);
}

void baseline_mutants(mutant_list& l) {
  l.add(
      "kind = gpuparity-comparison", [](json& d) { d["kind"] = "gpuparity-comparison"; }, refused);
  l.add(
      "a metric twice", [](json& d) { d["metrics"][1] = d["metrics"][0]; }, measure_refused);
  for (std::size_t i = 0; i < l.seed["metrics"].size(); ++i)
    if (l.seed["metrics"][i]["counter"] == "latency_seconds")
      l.add(
          "metrics[" + std::to_string(i) + "] orientation flipped",
          [i](json& d) { d["metrics"][i]["higher_is_better"] = true; }, refused);
  l.add(
      "100000 samples",
      [](json& d) {
        auto& s = d["metrics"][0]["samples"];
        s = json(std::vector<double>(100000, s[0].get<double>()));
      },
      may_pass);
}

void comparison_mutants(mutant_list& l) {
  l.add(
      "verdict = error",
      [](json& d) {
        d["verdict"] = "error";
        d["exit_code"] = 4;
        d["verdict_reason"] = "x";
      },
      any);
  l.add(
      "exit_code = 2", [](json& d) { d["exit_code"] = 2; }, refused);
  l.add(
      "metrics[0].baseline.n = 2.5", [](json& d) { d["metrics"][0]["baseline"]["n"] = 2.5; },
      refused);
  l.add(
      "100000 only in the baseline",
      [](json& d) { d["only_in_baseline"] = json(std::vector<std::string>(100000, "x:seconds")); },
      any);
}

void benchmark_mutants(mutant_list& l) {
  for (const std::string msg : {"incorrect: 3 elements differ", "failed: cudaErrorIllegalAddress"})
    l.add(
        "benchmarks[1] " + msg,
        [&](json& d) {
          d["benchmarks"][1]["error_occurred"] = true;
          d["benchmarks"][1]["error_message"] = msg;
        },
        measure_refused);
  l.add(
      "a failed case added",
      [](json& d) {
        d["benchmarks"].push_back({{"name", "extra/case"},
                                   {"run_type", "iteration"},
                                   {"error_occurred", true},
                                   {"error_message", "incorrect: wrong"}});
      },
      measure_refused);
  // Not supported is no failure (as in `run`), but the baseline's metric is then missing.
  l.add(
      "benchmarks[2] not supported",
      [](json& d) {
        d["benchmarks"][2]["error_occurred"] = true;
        d["benchmarks"][2]["error_message"] = "not_supported: no such unit";
      },
      compare_refused);
  l.add(
      "20000 copies of one case",
      [](json& d) { d["benchmarks"] = json(std::vector<json>(20000, d["benchmarks"][0])); },
      compare_refused);
}

// Mutations of a whole document, and of what it means.
std::vector<mutant> semantic_mutants(const json& seed, seed_kind kind) {
  mutant_list l{seed, {}};
  whole_document_mutants(l, kind);
  switch (kind) {
    case seed_kind::run_report:
      run_report_mutants(l);
      break;
    case seed_kind::baseline:
      baseline_mutants(l);
      break;
    case seed_kind::comparison:
      comparison_mutants(l);
      break;
    case seed_kind::benchmark:
      benchmark_mutants(l);
      break;
  }
  return l.out;
}

enum class command { compare, baseline, report };
const char* command_name(command c) {
  return c == command::compare ? "compare" : c == command::baseline ? "baseline" : "report";
}

// What `compare` judged: the metrics, their medians and verdicts, the unjudged, and whether
// the GPU models matched.
json judged(const std::string& comparison_path) {
  const json c = json::parse(test::slurp(comparison_path));
  json j = {{"only_in_baseline", c["only_in_baseline"]},
            {"only_in_candidate", c["only_in_candidate"]},
            {"metrics", json::array()}};
  // The GPU model decides comparability (the other checks are warnings by design).
  for (const auto& k : c["comparability"])
    if (k["check"] == "gpu_model") j["gpu_model"] = k;
  for (const auto& m : c["metrics"])
    j["metrics"].push_back({m["name"], m["baseline"]["median"], m["baseline"]["n"],
                            m["candidate"]["median"], m["candidate"]["n"], m["verdict"],
                            m["decides"]});
  return j;
}

struct seed {
  seed_kind kind;
  std::string path;
  oracle rules;
};

class property_run {
 public:
  explicit property_run(const seed& s)
      : s_(s),
        dir_(::testing::TempDir() + "gpuparity_mutants_" + std::to_string(getpid()) + "/"),
        mutant_(dir_ + "mutant.json"),
        cmp_(dir_ + "comparison.json") {
    std::filesystem::create_directories(dir_);
  }
  ~property_run() { std::filesystem::remove_all(dir_); }

  // The commands a mutant of this kind goes through, and whether each must refuse it
  // whatever it holds (report renders no baseline, compare reads no comparison).
  std::vector<std::pair<command, bool>> commands() const {
    switch (s_.kind) {
      case seed_kind::comparison:
        return {{command::report, false}, {command::compare, true}};
      case seed_kind::run_report:
        return {{command::compare, false}, {command::baseline, false}, {command::report, false}};
      default:
        return {{command::compare, false}, {command::baseline, false}, {command::report, true}};
    }
  }

  test::program_result run(command c) const {
    const std::string exe = GPUPARITY_EXE;
    if (c == command::compare) std::filesystem::remove(cmp_);
    if (c == command::report)
      return run_program({exe, "report", mutant_, "--junit", dir_ + "r.xml", "--prom",
                          dir_ + "r.prom", "--markdown", dir_ + "r.md", "--html", dir_ + "r.html"});
    if (c == command::baseline)
      return run_program({exe, "baseline", mutant_, "-o", dir_ + "baseline.json"});
    // The mutant is the candidate, except a baseline's, which is the baseline.
    const bool as_baseline = s_.kind == seed_kind::baseline || s_.kind == seed_kind::comparison;
    return run_program({exe, "compare", as_baseline ? mutant_ : s_.path,
                        as_baseline ? s_.path : mutant_, "-o", cmp_});
  }

  // The unmutated document: what a harmless mutation must leave judged as it was.
  void start() {
    std::ofstream(mutant_) << json::parse(test::slurp(s_.path)).dump();
    if (s_.kind == seed_kind::comparison) return;
    const auto r = run(command::compare);
    ASSERT_NE(r.exit_code, 4) << s_.path << ": " << r.err;
    original_ = judged(cmp_);
  }

  // Returns the number of command runs; records failures (the first few in detail).
  int check(const mutant& m, int& failures) {
    std::ofstream(mutant_, std::ios::trunc) << m.text;
    // The commands write to files of their own: they run side by side.
    const auto cmds = commands();
    std::vector<std::future<test::program_result>> results;
    for (const auto& c : cmds)
      results.push_back(std::async(std::launch::async, [this, c = c.first] { return run(c); }));
    int runs = 0;
    for (const auto& [c, always] : cmds) {
      const auto r = results[static_cast<std::size_t>(runs)].get();
      ++runs;
      const bool refuse = always || m.invalid || (c != command::report && m.measure_invalid) ||
                          (c == command::compare && m.compare_invalid);
      const std::vector<int> allowed =
          c == command::compare ? std::vector<int>{0, 1, 3, 4, 5} : std::vector<int>{0, 4};
      std::string problem;
      if (std::find(allowed.begin(), allowed.end(), r.exit_code) == allowed.end())
        problem = "exit " + std::to_string(r.exit_code) + " (a signal or timeout is -1)";
      else if (refuse && (r.exit_code != 4 || r.err.find("ERROR:") == std::string::npos))
        problem = "accepted an invalid document: exit " + std::to_string(r.exit_code);
      else if (c == command::compare && r.exit_code == 0 && !m.may_pass &&
               judged(cmp_) != original_)
        problem = "no_regression after a mutation that changed what was judged";
      if (problem.empty()) continue;
      if (++failures <= 15)
        ADD_FAILURE() << s_.path << ": " << m.what << ": gpuparity " << command_name(c) << ": "
                      << problem << "\n"
                      << r.err.substr(0, 300);
    }
    return runs;
  }

 private:
  seed s_;
  std::string dir_, mutant_, cmp_;
  json original_;
};

TEST(DocumentsProperty, HostileDocumentsNeverPassNorCrash) {
  const std::string runs = std::string(GPUPARITY_RESULTS) + "/NVIDIA_H100_80GB_HBM3/runs/";
  const std::vector<seed> seeds = {
      {seed_kind::run_report, runs + "template-podman.report.json", test::run_report_oracle()},
      {seed_kind::baseline,
       std::string(GPUPARITY_RESULTS) + "/baselines/NVIDIA_H100_80GB_HBM3/baseline.json",
       test::baseline_oracle()},
      {seed_kind::comparison, runs + "gate-run.comparison.json", test::comparison_oracle("")},
      {seed_kind::benchmark, std::string(GPUPARITY_TEST_DATA) + "/h100-gpuparity-bench.json",
       test::benchmark_oracle()}};
  int mutants = 0, command_runs = 0, failures = 0, invalid = 0;
  for (const auto& s : seeds) {
    const auto t0 = std::chrono::steady_clock::now();
    property_run p(s);
    p.start();
    const json doc = json::parse(test::slurp(s.path));
    auto all = field_mutants(doc, s.rules, s.kind);
    for (auto& m : semantic_mutants(doc, s.kind)) all.push_back(std::move(m));
    for (const auto& m : all) {
      command_runs += p.check(m, failures);
      invalid += m.invalid;
    }
    mutants += static_cast<int>(all.size());
    std::cout << s.path << ": " << all.size() << " mutants, "
              << std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()
              << " s\n";
  }
  EXPECT_EQ(failures, 0) << "of " << command_runs << " runs";
  EXPECT_GE(mutants, 500);
  EXPECT_GE(invalid, 250);  // the oracle calls many invalid, and many not: both are tested
  EXPECT_LE(invalid, mutants - 150);
  std::cout << mutants << " mutants (" << invalid << " invalid), " << command_runs
            << " command runs\n";
}

}  // namespace
}  // namespace gpuparity
