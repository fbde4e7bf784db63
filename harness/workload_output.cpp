#include "workload_output.hpp"

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

// The one counter per case the verdict is about, in order of preference.
constexpr counter_kind primary_counters[] = {
    {"bytes_per_second", metric_class::bandwidth, true},
    {"flop_per_second", metric_class::compute, true},
    {"tokens_per_second", metric_class::compute, true},
    {"latency_seconds", metric_class::latency, false},
    {"seconds", metric_class::latency, false},
};

}  // namespace

metric_class classify(const std::string& case_name, const std::string& counter) {
  if (case_name.find("_pageable") != std::string::npos) return metric_class::host;
  for (const auto& k : primary_counters)
    if (counter == k.counter) return k.cls;
  return metric_class::bandwidth;
}

workload_output parse_workload_output(const std::string& json_text) {
  try {
    return workload_output_from_json(nlohmann::ordered_json::parse(json_text));
  } catch (const nlohmann::json::parse_error& e) {
    workload_output w;
    w.parse_error = std::string("not JSON: ") + e.what();
    return w;
  }
}

workload_output workload_output_from_json(const nlohmann::ordered_json& doc) {
  workload_output w;
  if (!doc.is_object() || !doc.contains("benchmarks") || !doc["benchmarks"].is_array()) {
    w.parse_error = "not Google Benchmark JSON: no \"benchmarks\" array";
    return w;
  }
  if (doc.contains("context") && doc["context"].is_object())
    for (const auto& [k, v] : doc["context"].items())
      w.context[k] = v.is_string() ? v.get<std::string>() : v.dump();
  for (const auto& b : doc["benchmarks"]) {
    if (!b.is_object()) continue;
    if (b.value("run_type", "iteration") != "iteration") continue;  // aggregates
    const std::string name = case_name_of(b.value("run_name", b.value("name", "")));
    const bool error = b.value("error_occurred", false) || b.value("skipped", false);
    if (error) {
      const std::string msg = b.value("error_message", b.value("skip_message", ""));
      const auto colon = msg.find(": ");
      std::string status = colon == std::string::npos ? "error" : msg.substr(0, colon);
      if (status != "incorrect" && status != "failed" && status != "not_supported" &&
          status != "no_device")
        status = "error";
      w.failures.push_back({name, status, msg});
      continue;
    }
    for (const auto& k : primary_counters) {
      if (!b.contains(k.counter) || !b[k.counter].is_number()) continue;
      const double v = b[k.counter].get<double>();
      if (!(v > 0.0)) {
        w.failures.push_back({name, "error", std::string(k.counter) + " is not a positive number"});
        break;
      }
      const auto pi = b.find("process_index");
      const int process = pi != b.end() && pi->is_number_integer() ? pi->get<int>() : -1;
      w.metrics.push_back({name + ":" + k.counter, k.counter, classify(name, k.counter),
                           k.higher_is_better, v, process});
      break;
    }
  }
  w.parsed = true;
  return w;
}

}  // namespace gpuparity::harness
