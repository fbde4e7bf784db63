#include "html_charts.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "json_util.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

namespace {

std::string num(double v, int digits = 1) { return fixed_text(v, digits); }
std::string e(const std::string& s) { return xml_escape(s); }

// Round steps (1, 2, 5 times a power of ten) between lo and hi, about `target` of them and
// never fewer than three; `digits`: the decimals that tell them apart.
std::vector<double> axis_ticks(double lo, double hi, int target, int& digits) {
  const double span = std::max(hi - lo, 1e-12);
  double step = std::pow(10.0, std::floor(std::log10(span / target)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (span / (step * m) <= target) {
      step *= m;
      break;
    }
  std::vector<double> out;
  for (int tries = 0; tries < 4; ++tries) {
    out.clear();
    for (double t = std::ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step)
      out.push_back(std::fabs(t) < step * 1e-9 ? 0.0 : t);
    if (out.size() >= 3) break;
    step /= 2.0;
  }
  digits = std::max(0, static_cast<int>(-std::floor(std::log10(step) + 1e-9)));
  return out;
}

std::string shorten(const std::string& s, std::size_t n) {
  return s.size() <= n ? s : s.substr(0, n - 3) + "...";
}

// A metric's performance relative to a reference value: above 1 is better, rate or time.
double performance(const json& m, double value, double reference) {
  const bool higher = m.contains("higher_is_better")
                          ? m["higher_is_better"].get<bool>()
                          : json_text(m, "counter").find("seconds") == std::string::npos;
  return higher ? value / reference : reference / value;
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  const double at = q * static_cast<double>(v.size() - 1);
  const auto i = static_cast<std::size_t>(at);
  return i + 1 < v.size() ? v[i] + (at - static_cast<double>(i)) * (v[i + 1] - v[i]) : v[i];
}

}  // namespace

const char* verdict_colour(const std::string& verdict) {
  if (verdict == "parity" || verdict == "no_regression") return "#1a7f37";
  if (verdict == "better" || verdict == "improved") return "#0969da";
  if (verdict == "degraded" || verdict == "regression" || verdict == "error") return "#cf222e";
  return "#9a6700";  // inconclusive
}

std::string forest_plot(const std::vector<const json*>& ms, const std::string& cls,
                        const std::string& reference, const std::string& subject) {
  const double margin = ms.front()->value("margin", 0.02);
  double lo = 1.0 - margin, hi = 1.0 + margin;
  for (const json* m : ms) {
    const double r = (*m)["ratio"].get<double>();
    lo = std::min(lo, (*m)["ci_low"].is_number() ? (*m)["ci_low"].get<double>() : r);
    hi = std::max(hi, (*m)["ci_high"].is_number() ? (*m)["ci_high"].get<double>() : r);
  }
  const double pad = (hi - lo) * 0.06;
  lo -= pad;
  hi += pad;
  const int label_w = 300, plot_w = 520, right_w = 150, row_h = 22, top = 8, axis_h = 44;
  const int rows_h = row_h * static_cast<int>(ms.size());
  const int w = label_w + plot_w + right_w, h = top + rows_h + axis_h;
  auto x = [&](double v) { return label_w + (v - lo) / (hi - lo) * plot_w; };
  std::ostringstream s;
  s << "<svg class=\"forest\" data-class=\"" << e(cls) << "\" role=\"img\" width=\"" << w
    << "\" height=\"" << h << "\" viewBox=\"0 0 " << w << " " << h << "\">";
  s << "<rect x=\"" << x(1.0 - margin) << "\" y=\"" << top << "\" width=\""
    << x(1.0 + margin) - x(1.0 - margin) << "\" height=\"" << rows_h
    << "\" fill=\"#dafbe1\"><title>equivalence margin +/-" << num(100 * margin)
    << "%</title></rect>";
  const int axis_y = top + rows_h;
  s << "<line x1=\"" << label_w << "\" x2=\"" << label_w + plot_w << "\" y1=\"" << axis_y
    << "\" y2=\"" << axis_y << "\" stroke=\"#57606a\"/>";
  int digits = 0;
  for (double t : axis_ticks(lo, hi, 6, digits))
    s << "<line x1=\"" << x(t) << "\" x2=\"" << x(t) << "\" y1=\"" << top << "\" y2=\""
      << axis_y + 4 << "\" stroke=\"" << (t == 1.0 ? "#57606a" : "#d0d7de") << "\""
      << (t == 1.0 ? " stroke-dasharray=\"3 3\"" : "") << "/><text x=\"" << x(t) << "\" y=\""
      << axis_y + 16 << "\" text-anchor=\"middle\" class=\"tick\">" << num(t, std::max(digits, 2))
      << "</text>";
  s << "<text x=\"" << label_w << "\" y=\"" << axis_y + 34 << "\" class=\"axis\">&#8592; worse"
    << "</text><text x=\"" << label_w + plot_w / 2 << "\" y=\"" << axis_y + 34
    << "\" text-anchor=\"middle\" class=\"axis\">" << e(subject) << " performance / "
    << e(reference) << " (ratio, 1 = equal)</text><text x=\"" << label_w + plot_w << "\" y=\""
    << axis_y + 34 << "\" text-anchor=\"end\" class=\"axis\">better &#8594;</text>";
  int row = 0;
  for (const json* m : ms) {
    const double y = top + row_h * row++ + row_h / 2.0;
    const std::string v = json_text(*m, "verdict"), name = json_text(*m, "name");
    s << "<text x=\"" << label_w - 8 << "\" y=\"" << y + 4 << "\" text-anchor=\"end\"><title>"
      << e(name) << "</title>" << e(shorten(name, 44)) << "</text>";
    if ((*m)["ci_low"].is_number())
      s << "<line x1=\"" << x((*m)["ci_low"].get<double>()) << "\" x2=\""
        << x((*m)["ci_high"].get<double>()) << "\" y1=\"" << y << "\" y2=\"" << y << "\" stroke=\""
        << verdict_colour(v) << "\" stroke-width=\"3\"/>";
    s << "<circle cx=\"" << x((*m)["ratio"].get<double>()) << "\" cy=\"" << y
      << "\" r=\"4.5\" fill=\"" << verdict_colour(v) << "\"><title>" << e(name) << ": ratio "
      << num((*m)["ratio"].get<double>(), 4) << "</title></circle>";
    s << "<text x=\"" << label_w + plot_w + 10 << "\" y=\"" << y + 4 << "\" fill=\""
      << verdict_colour(v) << "\">" << e(v) << (m->value("decides", true) ? "" : " (info)")
      << "</text>";
  }
  s << "</svg>";
  return s.str();
}

std::string scatter_key() {
  return "<p class=\"key\">Key: native <span style=\"color:#0969da\">&#9679;</span>, container "
         "<span style=\"color:#fb8500\">&#9632;</span>; dashed: the native median (1); "
         "<span style=\"color:#cf222e\">&#9711;</span> red ring: a throttled trial whose value "
         "is an outlier on its side (beyond 1.5 IQR). Up is better for every metric (a time is "
         "plotted as native median / value).</p>";
}

std::string scatter(const json& m, const json& trials) {
  const std::string name = json_text(m, "name");
  const double ref = m["native"]["median"].get<double>();
  struct point {
    int order;
    double y;
    bool container, throttled;
  };
  std::vector<point> pts;
  int order = 0;
  for (const auto& t : trials) {
    ++order;
    if (t.value("warmup", false) || !t["error"].is_null()) continue;
    for (const auto& p : t["programs"])
      if (p["metrics"].contains(name) && p["metrics"][name].is_number())
        pts.push_back({order, performance(m, p["metrics"][name].get<double>(), ref),
                       json_text(t, "side") == "container", t.value("throttled", false)});
  }
  if (pts.empty()) return "";
  // Each side's Tukey fences: a throttled trial inside them was not moved by throttling.
  double fence[2][2];
  for (int side = 0; side < 2; ++side) {
    std::vector<double> v;
    for (const auto& p : pts)
      if (p.container == (side == 1)) v.push_back(p.y);
    if (v.empty()) continue;
    const double q1 = quantile(v, 0.25), q3 = quantile(v, 0.75);
    fence[side][0] = q1 - 1.5 * (q3 - q1);
    fence[side][1] = q3 + 1.5 * (q3 - q1);
  }
  double lo = 1.0, hi = 1.0;
  for (const auto& p : pts) {
    lo = std::min(lo, p.y);
    hi = std::max(hi, p.y);
  }
  const double pad = std::max((hi - lo) * 0.1, 0.002);
  lo -= pad;
  hi += pad;
  const int w = 320, h = 150, l = 46, r = 8, t = 28, b = 30;
  auto X = [&](int o) { return l + (o - 1.0) / std::max(1, order - 1) * (w - l - r); };
  auto Y = [&](double v) { return t + (hi - v) / (hi - lo) * (h - t - b); };
  std::ostringstream s;
  s << "<svg class=\"scatter\" role=\"img\" width=\"" << w << "\" height=\"" << h
    << "\" viewBox=\"0 0 " << w << " " << h << "\"><text x=\"4\" y=\"12\" class=\"small\"><title>"
    << e(name) << "</title>" << e(shorten(name, 52)) << "</text><text x=\"4\" y=\"24\" "
    << "class=\"small\">&#8593; better (performance / native median)</text>";
  s << "<line x1=\"" << l << "\" x2=\"" << l << "\" y1=\"" << t << "\" y2=\"" << h - b
    << "\" stroke=\"#57606a\"/><line x1=\"" << l << "\" x2=\"" << w - r << "\" y1=\"" << h - b
    << "\" y2=\"" << h - b << "\" stroke=\"#57606a\"/>";
  int digits = 0;
  for (double v : axis_ticks(lo, hi, 4, digits))
    s << "<line x1=\"" << l - 3 << "\" x2=\"" << w - r << "\" y1=\"" << Y(v) << "\" y2=\"" << Y(v)
      << "\" stroke=\"#eaeef2\"/><text x=\"" << l - 5 << "\" y=\"" << Y(v) + 3
      << "\" text-anchor=\"end\" class=\"tick\">" << num(v, std::max(digits, 2)) << "</text>";
  s << "<line x1=\"" << l << "\" x2=\"" << w - r << "\" y1=\"" << Y(1.0) << "\" y2=\"" << Y(1.0)
    << "\" stroke=\"#8c959f\" stroke-dasharray=\"2 2\"/>";
  s << "<text x=\"" << l << "\" y=\"" << h - b + 12 << "\" class=\"tick\">1</text><text x=\""
    << w - r << "\" y=\"" << h - b + 12 << "\" text-anchor=\"end\" class=\"tick\">" << order
    << "</text><text x=\"" << (l + w - r) / 2 << "\" y=\"" << h - 6
    << "\" text-anchor=\"middle\" class=\"tick\">trial, in the order run</text>";
  for (const auto& p : pts) {
    const char* fill = p.container ? "#fb8500" : "#0969da";
    const double* f = fence[p.container ? 1 : 0];
    const bool marked = p.throttled && (p.y < f[0] || p.y > f[1]);
    if (p.container)
      s << "<rect x=\"" << X(p.order) - 3 << "\" y=\"" << Y(p.y) - 3
        << "\" width=\"6\" height=\"6\" fill=\"" << fill << "\"";
    else
      s << "<circle cx=\"" << X(p.order) << "\" cy=\"" << Y(p.y) << "\" r=\"3\" fill=\"" << fill
        << "\"";
    s << (marked ? " stroke=\"#cf222e\" stroke-width=\"2\" class=\"throttled-outlier\"" : "")
      << "><title>" << (p.container ? "container" : "native") << " trial " << p.order << ": "
      << num(p.y, 4) << (p.throttled ? " (throttled" : "")
      << (marked        ? ", an outlier)"
          : p.throttled ? ")"
                        : "")
      << "</title>" << (p.container ? "</rect>" : "</circle>");
  }
  s << "</svg>";
  return s.str();
}

}  // namespace gpuparity::harness
