#include "html_environment.hpp"

#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <vector>

#include "json_util.hpp"
#include "outputs.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

bool ends_with(const std::string& s, const std::string& end) {
  return s.size() >= end.size() && s.compare(s.size() - end.size(), end.size(), end) == 0;
}
bool starts_with(const std::string& s, const std::string& start) { return s.rfind(start, 0) == 0; }

// The group a fact is shown in, by its name; groups are shown in this order.
const char* const groups[] = {"GPU",          "driver, CUDA and libraries", "limits and isolation",
                              "device nodes", "environment variables",      "program",
                              "other"};

int group_of(const std::string& k) {
  if (starts_with(k, "gpu_") && !starts_with(k, "gpuparity_")) return 0;
  if (starts_with(k, "cuda_") || starts_with(k, "env_lib") || k == "env_nvml_driver_version" ||
      k == "env_nvidia_kernel_module" || k == "env_kernel")
    return 1;
  if (starts_with(k, "env_cgroup") || starts_with(k, "env_cpu") || starts_with(k, "env_rlimit") ||
      k == "env_dev_shm_bytes" || k == "env_seccomp" || ends_with(k, "_namespace") ||
      k == "env_in_container")
    return 2;
  if (starts_with(k, "env_dev") || k == "env_device_nodes") return 3;
  if (starts_with(k, "env_var") || k == "env_variables" || k == "env_nvidia_variables") return 4;
  if (starts_with(k, "gpuparity_") || k == "host_name") return 5;
  return 6;
}

// "env_dev_shm_bytes" -> "dev shm bytes": the group says the rest.
std::string label_of(const std::string& k) {
  std::string s = k;
  for (const char* p : {"env_var_", "env_lib_", "env_", "gpuparity_", "gpu_", "cuda_"})
    if (starts_with(s, p)) {
      s = s.substr(std::string(p).size());
      break;
    }
  if (starts_with(k, "env_var_")) return s;  // a variable keeps its name
  for (auto& c : s)
    if (c == '_') c = ' ';
  return s;
}

std::string e(const std::string& s) { return xml_escape(s); }

// A value as a cell: a long one (NVIDIA_REQUIRE_CUDA runs to a thousand characters) folded
// behind its start.
std::string cell(const std::string& key, const std::string& value) {
  const std::string v = fact_text(key, value);
  if (v.size() <= 160) return e(v);
  return "<details><summary>" + e(v.substr(0, 90)) + "...</summary>" + e(v) + "</details>";
}

bool is_count(const std::string& v) {
  if (v.empty() || v.size() > 19) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

std::string fact_text(const std::string& key, const std::string& value) {
  if (!is_count(value)) return value;
  const double v = std::strtod(value.c_str(), nullptr);
  char b[64];
  if (ends_with(key, "_bytes")) {
    const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    double x = v;
    while (x >= 1024.0 && u < 4) x /= 1024.0, ++u;
    std::snprintf(b, sizeof b, x == static_cast<long long>(x) ? "%.0f %s" : "%.1f %s", x, units[u]);
    return b;
  }
  if (ends_with(key, "_hz")) {
    std::snprintf(b, sizeof b, "%.3g %s", v >= 1e9 ? v / 1e9 : v / 1e6, v >= 1e9 ? "GHz" : "MHz");
    return b;
  }
  return value;
}

std::string environment_html(const json& n, const json& c) {
  std::set<std::string> keys;
  for (const json* side : {&n, &c})
    if (side->is_object())
      for (const auto& [k, v] : side->items()) keys.insert(k);
  struct row {
    std::string key, a, b;
  };
  std::map<int, std::vector<row>> differ, same;
  std::size_t n_differ = 0, n_same = 0;
  for (const auto& k : keys) {
    row r{k, json_text(n, k.c_str(), "(absent)"), json_text(c, k.c_str(), "(absent)")};
    if (r.a != r.b)
      differ[group_of(k)].push_back(r), ++n_differ;
    else
      same[group_of(k)].push_back(r), ++n_same;
  }
  const auto table = [](const std::map<int, std::vector<row>>& g, bool both) {
    std::ostringstream s;
    s << "<table class=\"env\"><thead><tr><th>fact</th><th>native</th>"
      << (both ? "<th>container</th>" : "") << "</tr></thead><tbody>";
    for (const auto& [group, rows] : g) {
      s << "<tr class=\"group\"><th colspan=\"" << (both ? 3 : 2) << "\">" << groups[group]
        << "</th></tr>";
      for (const auto& r : rows) {
        s << "<tr" << (both ? " class=\"differs\"" : "") << "><td title=\"" << e(r.key) << "\">"
          << e(label_of(r.key)) << "</td><td>" << cell(r.key, r.a) << "</td>";
        if (both) s << "<td>" << cell(r.key, r.b) << "</td>";
        s << "</tr>";
      }
    }
    s << "</tbody></table>";
    return s.str();
  };
  std::ostringstream s;
  if (n_differ > 0)
    s << "<h3>Differences between the sides (" << n_differ << ")</h3>" << table(differ, true);
  else
    s << "<p>The sides report the same facts.</p>";
  if (n_same > 0)
    s << "<details><summary>The same on both sides (" << n_same << " facts)</summary>"
      << table(same, false) << "</details>";
  return s.str();
}

}  // namespace gpuparity::harness
