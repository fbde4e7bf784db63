// The HTML page's telemetry chart: what the GPU's clock and power did while the trials ran.
#include <algorithm>
#include <cmath>
#include <sstream>

#include "html_charts.hpp"
#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string num(double v, int digits = 0) { return fixed_text(v, digits); }

// NVML clock-event bits: the software power cap, and the slowdowns that are not it
// (hardware slowdown, software and hardware thermal slowdown, power brake).
constexpr unsigned long long power_cap_bit = 0x4;
constexpr unsigned long long slowdown_bits = 0x8 | 0x20 | 0x40 | 0x80;

bool slowed_by_more_than_the_cap(const json& trial) {
  for (const auto& r : trial.value("throttle_reasons", json::array()))
    if (r.is_string() && r.get<std::string>() != "sw_power_cap") return true;
  return false;
}

double step_of(double span, int target) {
  const double step = std::pow(10.0, std::floor(std::log10(std::max(span, 1e-9) / target)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (span / (step * m) <= target) return step * m;
  return step * 10.0;
}

// Runs of consecutive samples with a bit set, as [t0, t1] spans.
std::vector<std::pair<double, double>> spans_with(const json& rows, unsigned long long bits) {
  std::vector<std::pair<double, double>> out;
  bool open = false;
  for (const auto& r : rows) {
    const bool on = (r[5].get<unsigned long long>() & bits) != 0;
    const double t = r[0].get<double>();
    if (on && !open) out.push_back({t, t});
    if (on) out.back().second = t;
    open = on;
  }
  return out;
}

}  // namespace

std::string telemetry_chart(const json& tel, const json& trials) {
  const auto& rows = tel["samples"];
  if (rows.empty()) return "<p>No telemetry samples.</p>";
  const double t_end = std::max(rows.back()[0].get<double>(), 1e-9);
  const double clock_max = tel["device"].value("max_sm_clock_mhz", 0.0);
  const double cap = tel["device"].value("power_limit_w", 0.0);
  double clock_top = clock_max, power_top = cap;
  for (const auto& r : rows) {
    clock_top = std::max(clock_top, r[1].get<double>());
    power_top = std::max(power_top, r[4].get<double>());
  }
  clock_top = std::max(clock_top * 1.08, 1.0);
  power_top = std::max(power_top * 1.08, 1.0);
  const int w = 1000, l = 64, rr = 20, top = 10, panel = 120, gap = 26, axis = 36;
  const int h = top + 2 * panel + gap + axis;
  const int p0 = top, p1 = top + panel + gap;  // the clock panel's top, the power panel's top
  auto X = [&](double v) { return l + v / t_end * (w - l - rr); };
  auto Yc = [&](double v) { return p0 + (1.0 - v / clock_top) * panel; };
  auto Yp = [&](double v) { return p1 + (1.0 - v / power_top) * panel; };
  std::ostringstream s;
  s << "<svg id=\"telemetry-chart\" role=\"img\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\">";
  for (const auto& tr : trials) {
    if (!tr.contains("t_start_seconds")) continue;
    const double a = tr["t_start_seconds"].get<double>(), z = tr["t_end_seconds"].get<double>();
    const bool c = json_text(tr, "side") == "container", slow = slowed_by_more_than_the_cap(tr);
    for (int p : {p0, p1})
      s << "<rect x=\"" << X(a) << "\" y=\"" << p << "\" width=\"" << std::max(1.0, X(z) - X(a))
        << "\" height=\"" << panel << "\" fill=\"" << (c ? "#fff1e0" : "#e7f0fb") << "\""
        << (slow ? " stroke=\"#cf222e\" stroke-width=\"1.5\" class=\"slowdown\"" : "") << "><title>"
        << (c ? "container" : "native") << " trial " << tr.value("index", 0)
        << (tr.value("warmup", false) ? " (warm-up)" : "") << ", " << num(a, 1) << "-" << num(z, 1)
        << " s"
        << (tr.value("throttled", false) ? ": " + xml_escape(tr["throttle_reasons"].dump())
                                         : std::string())
        << "</title></rect>";
  }
  // Axes: the value ticks of each panel and the time ticks under both.
  const auto value_axis = [&](int p, double top_v, auto Y, const char* unit) {
    const double st = step_of(top_v, 4);
    for (double v = 0; v <= top_v; v += st)
      s << "<line x1=\"" << l - 3 << "\" x2=\"" << w - rr << "\" y1=\"" << Y(v) << "\" y2=\""
        << Y(v) << "\" stroke=\"#d0d7de\" stroke-width=\"0.5\"/><text x=\"" << l - 6 << "\" y=\""
        << Y(v) + 3 << "\" text-anchor=\"end\" class=\"tick\">" << num(v) << "</text>";
    s << "<line x1=\"" << l << "\" x2=\"" << l << "\" y1=\"" << p << "\" y2=\"" << p + panel
      << "\" stroke=\"#57606a\"/><text x=\"12\" y=\"" << p + panel / 2
      << "\" text-anchor=\"middle\" class=\"axis\" transform=\"rotate(-90 12 " << p + panel / 2
      << ")\">" << unit << "</text>";
  };
  value_axis(p0, clock_top, Yc, "SM clock (MHz)");
  value_axis(p1, power_top, Yp, "power (W)");
  const double ts = step_of(t_end, 10);
  const int t_digits = std::max(0, static_cast<int>(-std::floor(std::log10(ts) + 1e-9)));
  for (double v = 0; v <= t_end + 1e-9; v += ts)
    s << "<line x1=\"" << X(v) << "\" x2=\"" << X(v) << "\" y1=\"" << p1 + panel << "\" y2=\""
      << p1 + panel + 4 << "\" stroke=\"#57606a\"/><text x=\"" << X(v) << "\" y=\""
      << p1 + panel + 15 << "\" text-anchor=\"middle\" class=\"tick\">" << num(v, t_digits)
      << "</text>";
  s << "<line x1=\"" << l << "\" x2=\"" << w - rr << "\" y1=\"" << p1 + panel << "\" y2=\""
    << p1 + panel << "\" stroke=\"#57606a\"/><text x=\"" << (l + w - rr) / 2 << "\" y=\"" << h - 4
    << "\" text-anchor=\"middle\" class=\"axis\">time since the run started (s)</text>";
  // The limits: the maximum SM clock and the power cap, dashed.
  if (clock_max > 0)
    s << "<line x1=\"" << l << "\" x2=\"" << w - rr << "\" y1=\"" << Yc(clock_max) << "\" y2=\""
      << Yc(clock_max) << "\" stroke=\"#0969da\" stroke-dasharray=\"5 3\"/><text x=\"" << w - rr
      << "\" y=\"" << Yc(clock_max) - 3 << "\" text-anchor=\"end\" class=\"tick\">max "
      << num(clock_max) << " MHz</text>";
  if (cap > 0)
    s << "<line x1=\"" << l << "\" x2=\"" << w - rr << "\" y1=\"" << Yp(cap) << "\" y2=\""
      << Yp(cap) << "\" stroke=\"#cf222e\" stroke-dasharray=\"5 3\"/><text x=\"" << w - rr
      << "\" y=\"" << Yp(cap) - 3 << "\" text-anchor=\"end\" class=\"tick\">cap " << num(cap)
      << " W</text>";
  std::ostringstream clock, power;
  for (const auto& r : rows) {
    clock << X(r[0].get<double>()) << "," << Yc(r[1].get<double>()) << " ";
    power << X(r[0].get<double>()) << "," << Yp(r[4].get<double>()) << " ";
  }
  s << "<polyline fill=\"none\" stroke=\"#0969da\" stroke-width=\"1.2\" points=\"" << clock.str()
    << "\"/><polyline fill=\"none\" stroke=\"#8250df\" stroke-width=\"1\" points=\"" << power.str()
    << "\"/>";
  // When the cap held the clock (ticks over the power panel) and when anything else did.
  for (const auto& [a, z] : spans_with(rows, power_cap_bit))
    s << "<rect class=\"at-cap\" x=\"" << X(a) - 1 << "\" y=\"" << p1 - 7 << "\" width=\""
      << std::max(2.0, X(z) - X(a) + 2) << "\" height=\"5\" fill=\"#9a6700\"><title>at the power "
      << "cap " << num(a, 1) << "-" << num(z, 1) << " s</title></rect>";
  for (const auto& [a, z] : spans_with(rows, slowdown_bits))
    s << "<rect class=\"slowdown\" x=\"" << X(a) - 1 << "\" y=\"" << p0 + panel + 2 << "\" width=\""
      << std::max(2.0, X(z) - X(a) + 2) << "\" height=\"6\" fill=\"#cf222e\">"
      << "<title>hardware, thermal or power-brake slowdown " << num(a, 1) << "-" << num(z, 1)
      << " s</title></rect>";
  s << "</svg>";
  return s.str();
}

}  // namespace gpuparity::harness
