#include "json_util.hpp"

#include <fstream>
#include <sstream>

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

std::string json_text(const json& o, const char* key, const std::string& fallback) {
  if (!o.is_object() || !o.contains(key) || o[key].is_null()) return fallback;
  return o[key].is_string() ? o[key].get<std::string>() : o[key].dump();
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

metric_value metric_from_identity(const json& entry) {
  metric_value k;
  k.name = entry.value("name", "");
  k.counter = entry.value("counter", "");
  k.cls = classify(k.name.substr(0, k.name.rfind(':')), k.counter);
  k.higher_is_better = entry.value("higher_is_better", true);
  return k;
}

}  // namespace gpuparity::harness
