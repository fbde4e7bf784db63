#pragma once
// The HTML page's environment section: both sides' facts in human units (128 GiB, 1.98 GHz),
// grouped (GPU, driver and libraries, limits, devices, variables, program), the facts that
// differ between the sides first and the rest folded in a <details>.
#include <nlohmann/json.hpp>
#include <string>

namespace gpuparity::harness {

std::string environment_html(const nlohmann::ordered_json& native,
                             const nlohmann::ordered_json& container);

// A fact's value for people: "137438953472" of a *_bytes fact is "128 GiB", a *_hz one
// "1.98 GHz"; other values as they are.
std::string fact_text(const std::string& key, const std::string& value);

}  // namespace gpuparity::harness
