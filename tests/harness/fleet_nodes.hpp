#pragma once
// For the fleet tests: the names of a fleet document's nodes that are outliers (a node whose
// outlier_metrics is not empty), in the document's order.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

inline std::vector<std::string> outlier_nodes(const nlohmann::ordered_json& doc) {
  std::vector<std::string> out;
  for (const auto& n : doc["nodes"])
    if (!n["outlier_metrics"].empty()) out.push_back(n["node"]);
  return out;
}

}  // namespace gpuparity::harness
