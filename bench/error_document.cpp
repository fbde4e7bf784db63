#include "error_document.hpp"

#include "output_file.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

namespace gpuparity {

namespace {
bool flag_value(const std::string& arg, const std::string& name, std::string& value) {
  const std::string prefix = "--" + name + "=";
  if (arg.rfind(prefix, 0) != 0) return false;
  value = arg.substr(prefix.size());
  return true;
}
}  // namespace

output_flags scan_output_flags(int argc, char** argv) {
  output_flags f;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    std::string v;
    if (flag_value(a, "benchmark_out", v)) f.out_path = v;
    if (flag_value(a, "benchmark_out_format", v)) f.out_format = v;
    if (flag_value(a, "benchmark_format", v)) f.format = v;
    if (flag_value(a, "benchmark_color", v)) f.color = v;
    if (flag_value(a, "benchmark_counters_tabular", v))
      f.counters_tabular = v == "true" || v == "1";
    if (a == "--benchmark_list_tests" ||
        (flag_value(a, "benchmark_list_tests", v) && (v == "true" || v == "1")))
      f.list_tests = true;
  }
  return f;
}

std::string error_document(const std::vector<std::pair<std::string, std::string>>& context,
                           const std::string& error, int exit_code) {
  nlohmann::ordered_json ctx = nlohmann::ordered_json::object();
  for (const auto& [k, v] : context) ctx[k] = v;
  ctx["gpuparity_error"] = error;
  ctx["gpuparity_exit_code"] = std::to_string(exit_code);
  nlohmann::ordered_json doc;
  doc["context"] = ctx;
  doc["benchmarks"] = nlohmann::ordered_json::array();
  // Context values come from the environment, which need not be UTF-8.
  return doc.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
}

bool write_file_atomically(const std::string& path, const std::string& text) {
  return write_output_file(path, text).empty();
}

void emit_error_document(const output_flags& flags, const std::string& doc) {
  if (!flags.out_path.empty() && flags.out_format == "json" &&
      !write_file_atomically(flags.out_path, doc))
    std::cerr << "gpuparity: cannot write " << flags.out_path << "\n";
  if (flags.format == "json") std::cout << doc << std::flush;
}

}  // namespace gpuparity
