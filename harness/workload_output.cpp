#include "workload_output.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

namespace gpuparity::harness {

const char* metric_class_name(metric_class c) {
  switch (c) {
    case metric_class::bandwidth:
      return "bandwidth";
    case metric_class::compute:
      return "compute";
    case metric_class::latency:
      return "latency";
    case metric_class::round_trip:
      return "round_trip";
    case metric_class::startup:
      return "startup";
    case metric_class::host:
      return "host";
  }
  return "unknown";
}

double class_margins::of(metric_class c) const {
  switch (c) {
    case metric_class::bandwidth:
      return bandwidth;
    case metric_class::compute:
      return compute;
    case metric_class::latency:
      return latency;
    case metric_class::round_trip:
      return round_trip;
    case metric_class::startup:
      return startup;
    case metric_class::host:
      return host;
  }
  return bandwidth;
}

std::string case_name_of(const std::string& run_name) {
  std::string name = run_name;
  for (const char* suffix : {"/iterations:", "/min_time:", "/repeats:", "/manual_time",
                             "/real_time", "/threads:", "/min_warmup_time:"}) {
    const auto p = name.find(suffix);
    if (p != std::string::npos) name.erase(p);
  }
  return name;
}

namespace {

struct counter_kind {
  const char* counter;
  metric_class cls;
  bool higher_is_better;
};

// The one counter per case the verdict is mainly about, in order of preference.
constexpr counter_kind primary_counters[] = {
    {"bytes_per_second", metric_class::bandwidth, true},
    {"flop_per_second", metric_class::compute, true},
    {"tokens_per_second", metric_class::compute, true},
    {"latency_seconds", metric_class::latency, false},
    {"seconds", metric_class::latency, false},
};

// Counters judged beside the primary one: a round trip's CPU-side submission cost, the
// host CPU's speed (host class: informational unless --judge-host). On the H200 machine it
// moved 30% within a run with the host's moment, natively, while a 0.5-CPU quota doubled it.
constexpr counter_kind second_counters[] = {
    {"submit_seconds", metric_class::host, false},
};

}  // namespace

bool round_trip_case(const std::string& case_name) {
  return case_name == "latency/launch" || case_name == "latency/graph_launch" ||
         case_name == "latency/memcpy_h2d_small";
}

metric_class classify(const std::string& case_name, const std::string& counter) {
  if (case_name.find("_pageable") != std::string::npos) return metric_class::host;
  if (case_name.rfind("startup/", 0) == 0) return metric_class::startup;
  if (counter == "latency_seconds" && round_trip_case(case_name)) return metric_class::round_trip;
  for (const auto& k : primary_counters)
    if (counter == k.counter) return k.cls;
  for (const auto& k : second_counters)
    if (counter == k.counter) return k.cls;
  return metric_class::bandwidth;
}

std::vector<const char*> counter_names() {
  std::vector<const char*> names;
  for (const auto& k : primary_counters) names.push_back(k.counter);
  for (const auto& k : second_counters) names.push_back(k.counter);
  return names;
}

bool counter_higher_is_better(const std::string& counter) {
  for (const auto& k : primary_counters)
    if (counter == k.counter) return k.higher_is_better;
  for (const auto& k : second_counters)
    if (counter == k.counter) return k.higher_is_better;
  return true;
}

workload_output parse_workload_output(const std::string& json_text) {
  try {
    return workload_output_from_json(nlohmann::ordered_json::parse(json_text));
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for a number beyond a double (1e400)
    workload_output w;
    w.parse_error = std::string("not JSON: ") + e.what();
    return w;
  }
}

namespace {

using json = nlohmann::ordered_json;

// "" when b[key] is absent, null or passes `ok`; otherwise what is wrong with it.
template <class Pred>
std::string wrong_type(const json& b, const char* key, Pred ok, const char* wanted) {
  if (!b.contains(key) || b[key].is_null() || ok(b[key])) return "";
  return std::string("its \"") + key + "\" is " + b[key].type_name() + ", not " + wanted;
}

std::string text_field(const json& b, const char* key) {
  return b.contains(key) && b[key].is_string() ? b[key].get<std::string>() : "";
}

// A Google Benchmark "skip with error": its message's "status: " prefix is the status.
case_failure failure_of(const std::string& name, const json& b) {
  std::string msg = text_field(b, "error_message");
  if (msg.empty()) msg = text_field(b, "skip_message");
  const auto colon = msg.find(": ");
  std::string status = colon == std::string::npos ? "error" : msg.substr(0, colon);
  if (status != "incorrect" && status != "failed" && status != "not_supported" &&
      status != "no_device")
    status = "error";
  return {name, status, msg};
}

bool flag(const json& b, const char* key) {
  return b.contains(key) && b[key].is_boolean() && b[key].get<bool>();
}

std::string number_text(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

// The process of a run fanned out over processes (gpuparity-bench --processes), -1 for none.
int process_index(const json& b) {
  const auto p = b.find("process_index");
  return p != b.end() && p->is_number_integer() ? static_cast<int>(p->get<long long>()) : -1;
}

// One entry of "benchmarks": a metric, a failure, or nothing (an aggregate row). A field
// of the wrong type or a rate that is not a positive finite number is the case's failure:
// never a number that is judged, never an exception.
void read_case(const json& b, std::size_t index, workload_output& w) {
  const std::string where = "benchmarks[" + std::to_string(index) + "]";
  if (!b.is_object()) {
    w.failures.push_back({where, "error", std::string("is ") + b.type_name() + ", not an object"});
    return;
  }
  std::string name = text_field(b, "run_name");
  if (name.empty()) name = text_field(b, "name");
  name = name.empty() ? where : case_name_of(name);
  const auto fail = [&](const std::string& why) { w.failures.push_back({name, "error", why}); };
  const auto is_string = [](const json& v) { return v.is_string(); };
  const auto is_bool = [](const json& v) { return v.is_boolean(); };
  // An int, as the harness keeps it: 2^32 + 1 must not read as process 1.
  const auto is_index = [](const json& v) {
    return (v.is_number_unsigned() && v.get<unsigned long long>() <= INT_MAX) ||
           (v.is_number_integer() && v.get<long long>() >= 0 && v.get<long long>() <= INT_MAX);
  };
  for (const auto& why : {wrong_type(b, "run_name", is_string, "a string"),
                          wrong_type(b, "name", is_string, "a string"),
                          wrong_type(b, "run_type", is_string, "a string"),
                          wrong_type(b, "error_occurred", is_bool, "a boolean"),
                          wrong_type(b, "skipped", is_bool, "a boolean"),
                          wrong_type(b, "error_message", is_string, "a string"),
                          wrong_type(b, "skip_message", is_string, "a string"),
                          wrong_type(b, "process_index", is_index, "a whole number in 0..2^31-1")})
    if (!why.empty()) {
      fail("malformed Google Benchmark JSON: " + why);
      return;
    }
  const std::string run_type = text_field(b, "run_type");
  if (!run_type.empty() && run_type != "iteration") return;  // aggregates
  if (std::find(w.cases.begin(), w.cases.end(), name) == w.cases.end()) w.cases.push_back(name);
  if (const auto label = b.find("label");
      label != b.end() && label->is_string() && !label->get<std::string>().empty())
    w.labels[name] = label->get<std::string>();
  if (flag(b, "error_occurred") || flag(b, "skipped")) {
    w.failures.push_back(failure_of(name, b));
    return;
  }
  const auto cs = b.find("case_seconds");
  if (cs != b.end() && cs->is_number() && std::isfinite(cs->get<double>()) &&
      cs->get<double>() >= 0)
    w.case_seconds[name] += cs->get<double>();
  // The primary counter and those beside it: one malformed counter makes the whole case a
  // failure (one per case), so no counter of a case that failed is judged.
  std::vector<const counter_kind*> read;
  for (const auto& k : primary_counters)
    if (b.contains(k.counter)) {
      read.push_back(&k);
      break;
    }
  for (const auto& k : second_counters)
    if (b.contains(k.counter)) read.push_back(&k);
  std::vector<metric_value> values;
  for (const counter_kind* k : read) {
    const json& v = b[k->counter];
    const std::string counter = k->counter;
    if (!v.is_number()) {
      fail(counter + " is " + v.type_name() + ", not a number");
      return;
    }
    const double x = v.get<double>();
    if (!std::isfinite(x) || !(x > 0.0)) {
      fail(counter + " is " + number_text(x) + ", not a positive finite number");
      return;
    }
    values.push_back({name + ":" + counter, counter, classify(name, counter), k->higher_is_better,
                      x, process_index(b)});
  }
  w.metrics.insert(w.metrics.end(), values.begin(), values.end());
}

}  // namespace

workload_output workload_output_from_json(const json& doc) {
  workload_output w;
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array()) {
    w.parse_error = "not Google Benchmark JSON: no \"benchmarks\" array";
    return w;
  }
  if (doc.contains("context") && doc["context"].is_object())
    for (const auto& [k, v] : doc["context"].items())
      w.context[k] = v.is_string() ? v.get<std::string>()
                                   : v.dump(-1, ' ', false, json::error_handler_t::replace);
  for (std::size_t i = 0; i < doc["benchmarks"].size(); ++i) read_case(doc["benchmarks"][i], i, w);
  w.parsed = true;
  return w;
}

}  // namespace gpuparity::harness
