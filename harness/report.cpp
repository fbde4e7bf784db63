#include "report.hpp"

#include <cstdio>
#include <sstream>

#include "json_util.hpp"
#include "output_path.hpp"
#include "outputs.hpp"

namespace gpuparity::harness {

std::string write_report(const std::string& path, const nlohmann::ordered_json& report) {
  return write_output(path, dump_document(report));
}

std::string format_value(const std::string& counter, double v) {
  char buf[64];
  if (counter == "bytes_per_second")
    std::snprintf(buf, sizeof buf, "%.1f GB/s", v / 1e9);
  else if (counter == "flop_per_second")
    std::snprintf(buf, sizeof buf, "%.1f TFLOP/s", v / 1e12);
  else if (counter == "tokens_per_second")
    std::snprintf(buf, sizeof buf, "%.3f Mtok/s", v / 1e6);
  else if (counter == "latency_seconds" || counter == "submit_seconds")
    std::snprintf(buf, sizeof buf, "%.3f us", v * 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.4f s", v);
  return buf;
}

std::string fixed_text(double v, int digits) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*f", digits, v);
  return b;
}

std::string interval_text(const nlohmann::ordered_json& m) {
  if (!m["ci_low"].is_number()) return "-";
  return "[" + fixed_text(m["ci_low"].get<double>(), 4) + ", " +
         fixed_text(m["ci_high"].get<double>(), 4) + "]";
}

}  // namespace gpuparity::harness
