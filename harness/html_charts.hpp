#pragma once
// The HTML page's charts, inline SVG. Every chart has axes with units and a key, and every
// chart puts "worse" on the same side: a metric's performance relative to the reference
// (native, or the baseline) grows to the right in the class charts and upwards in the trial
// scatter, whether the metric is a rate (higher is better) or a time (lower is better).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

// The colour a verdict is drawn in.
const char* verdict_colour(const std::string& verdict);

// One class's metrics: each ratio with its interval against the margin band.
// reference/subject: "native"/"container" or "baseline"/"candidate".
std::string forest_plot(const std::vector<const nlohmann::ordered_json*>& metrics,
                        const std::string& cls, const std::string& reference,
                        const std::string& subject);

// Every measured trial of a metric, as performance relative to the native median, in the
// order run. A trial is ringed in red only where the GPU throttled during it and its value
// lies outside its side's Tukey fences (1.5 IQR beyond the quartiles): the power cap that
// an H100 touches in most trials is not news; a throttled outlier is.
std::string scatter(const nlohmann::ordered_json& metric, const nlohmann::ordered_json& trials);

// The key shared by the scatter charts.
std::string scatter_key();

// SM clock against its maximum and power against the cap over the run, the trials' windows
// behind them; NVML's slowdowns that are not the power cap (hardware, thermal, power brake)
// marked in red, the samples at the power cap in a row of ticks.
std::string telemetry_chart(const nlohmann::ordered_json& telemetry,
                            const nlohmann::ordered_json& trials);

}  // namespace gpuparity::harness
