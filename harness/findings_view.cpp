#include "findings_view.hpp"

#include "json_util.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

bool finding_leads(const json& f) {
  return json_text(f, "severity") == "error" ||
         (f.contains("explains") && f["explains"].is_array() && !f["explains"].empty());
}

std::vector<const json*> findings_of(const json& doc, bool leading) {
  std::vector<const json*> out;
  if (!doc.contains("audit") || !doc["audit"].is_array()) return out;
  for (const auto& f : doc["audit"])
    if (finding_leads(f) == leading) out.push_back(&f);
  return out;
}

const json* finding_explaining(const json& doc, const std::string& metric) {
  for (const json* f : findings_of(doc, true)) {
    if (!f->contains("explains")) continue;
    for (const auto& m : (*f)["explains"])
      if (m.is_string() && m.get<std::string>() == metric) return f;
  }
  return nullptr;
}

std::string cause_of_metric(const json& doc, const std::string& metric) {
  const json* f = finding_explaining(doc, metric);
  if (f == nullptr) return "";
  return json_text(*f, "id") + ": " + json_text(*f, "title") + ". Fix: " + json_text(*f, "fix");
}

}  // namespace gpuparity::harness
