#include "json_util.hpp"

#include "gpuparity/version.hpp"

#include <ctime>
#include <fstream>
#include <sstream>

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

std::string json_text(const json& o, const char* key, const std::string& fallback) {
  if (!o.is_object() || !o.contains(key) || o[key].is_null()) return fallback;
  return o[key].is_string() ? o[key].get<std::string>()
                            : o[key].dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string dump_document(const json& doc) {
  return doc.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

json read_json_file(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw json_file_error("cannot read " + path + ": check the path");
  std::stringstream s;
  s << f.rdbuf();
  try {
    return json::parse(s.str());
  } catch (const std::exception& e) {
    throw json_file_error(path + " is not JSON: " + e.what());
  }
}

json metric_identity(const metric_value& kind) {
  return {{"name", kind.name},
          {"counter", kind.counter},
          {"class", metric_class_name(kind.cls)},
          {"higher_is_better", kind.higher_is_better}};
}

void put_interval(json& metric, const ratio_interval& r) {
  metric["ratio"] = r.estimate > 0 ? r.estimate : r.ratio_of_medians;
  metric["ci_low"] = r.defined ? json(r.low) : json(nullptr);
  metric["ci_high"] = r.defined ? json(r.high) : json(nullptr);
}

json margins_json(const class_margins& m) {
  return {{"bandwidth", m.bandwidth},
          {"compute", m.compute},
          {"latency", m.latency},
          {"round_trip", m.round_trip},
          {"startup", m.startup},
          {"host", m.host},
          {"judge_host", m.judge_host}};
}

json producer_json() {
  return {{"name", "gpuparity"},
          {"version", gpuparity::version},
          {"git_revision", gpuparity::git_revision}};
}

std::string now_iso() {
  const std::time_t t = std::time(nullptr);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
  return buf;
}

bool is_run_report(const json& doc) {
  return doc.is_object() && doc.contains("schema_version") && doc.contains("mode") &&
         doc.contains("metrics") && doc.contains("sides") && doc.contains("trials");
}

bool is_comparison(const json& doc) { return json_text(doc, "kind") == "gpuparity-comparison"; }

metric_value metric_from_identity(const json& entry) {
  metric_value k;
  k.name = entry.value("name", "");
  k.counter = entry.value("counter", "");
  k.cls = classify(k.name.substr(0, k.name.rfind(':')), k.counter);
  k.higher_is_better = entry.value("higher_is_better", true);
  return k;
}

}  // namespace gpuparity::harness
