#include "decision.hpp"

#include "json_util.hpp"
#include "node.hpp"
#include "run.hpp"

namespace gpuparity::harness {

std::string short_list(const std::vector<std::string>& items, std::size_t shown) {
  std::string s;
  for (std::size_t i = 0; i < items.size() && i < shown; ++i) s += (i ? ", " : "") + items[i];
  if (items.size() > shown) s += " and " + std::to_string(items.size() - shown) + " more";
  return s;
}

bool disturbs_measurement(const nlohmann::ordered_json& finding) {
  return json_text(finding, "severity") != "error" && json_text(finding, "id") == "gpu_shared";
}

audit_gaps audit_gaps_of(const nlohmann::ordered_json& findings) {
  audit_gaps g;
  if (!findings.is_array()) return g;
  for (const auto& f : findings) {
    const std::string line = json_text(f, "id") + ": " + json_text(f, "title");
    if (json_text(f, "severity") == "error")
      g.errors.push_back(line);
    else if (disturbs_measurement(f))
      g.disturbed.push_back(line);
  }
  return g;
}

namespace {

// The gaps that make any verdict an error, in the order a reader should fix them.
std::string blocking_gap(const evidence& e) {
  if (!e.error.empty()) return e.error;
  if (!e.failed.empty()) return "cases failed: " + short_list(e.failed);
  if (!e.audit_errors.empty()) return "the audit found an error: " + short_list(e.audit_errors);
  if (!e.missing.empty())
    return std::to_string(e.missing.size()) +
           " metric(s) measured on one side only: " + short_list(e.missing);
  if (!e.vanished.empty())
    return std::to_string(e.vanished.size()) +
           " metric(s) measured in the warm-up but in no later trial: " + short_list(e.vanished);
  return "";
}

// Why a verdict that would pass is inconclusive, or "" when nothing holds it back.
// A disturbed measurement first: more trials would not settle it.
std::string open_reason(const evidence& e) {
  if (!e.disturbed.empty())
    return "the measurement was disturbed (" + short_list(e.disturbed) +
           "): no pass on it; run again on an idle GPU";
  if (e.open) return std::to_string(e.open) + " metric(s) inconclusive";
  if (!e.unjudged.empty())
    return std::to_string(e.unjudged.size()) +
           " metric(s) measured on one side only: " + short_list(e.unjudged);
  return "";
}

}  // namespace

decision decide_run(const evidence& e) {
  std::string gap = blocking_gap(e);
  if (gap.empty() && !e.mismatched.empty())
    gap = "the two sides differ in what they ran on: " + short_list(e.mismatched);
  if (gap.empty() && e.judged == 0 && e.warmup_only)
    return {exit_inconclusive, "inconclusive",
            "the budget ended in the warm-up, before any measured trial: raise --budget"};
  if (gap.empty() && e.judged == 0) gap = "no metric was measured on both sides";
  if (!gap.empty()) return {exit_error, "error", gap};
  if (e.worse) return {exit_degraded, "degraded", std::to_string(e.worse) + " metric(s) degraded"};
  if (const auto why = open_reason(e); !why.empty())
    return {exit_inconclusive, "inconclusive", why};
  return {exit_parity, "parity", ""};
}

decision recheck_pass(const nlohmann::ordered_json& findings) {
  evidence e;
  e.judged = 1;  // the stored verdict judged its metrics; only the findings are re-read
  auto gaps = audit_gaps_of(findings);
  e.audit_errors = std::move(gaps.errors);
  e.disturbed = std::move(gaps.disturbed);
  return decide_run(e);
}

decision decide_comparison(const evidence& e) {
  const std::string gap = blocking_gap(e);
  if (!gap.empty()) return {exit_error, "error", gap};
  if (!e.mismatched.empty())
    return {exit_not_comparable, "not_comparable", "not comparable: " + short_list(e.mismatched)};
  if (e.judged == 0)
    return {exit_not_comparable, "not_comparable", "no metric was measured in both documents"};
  if (e.worse)
    return {exit_degraded, "regression", std::to_string(e.worse) + " metric(s) regressed"};
  if (const auto why = open_reason(e); !why.empty())
    return {exit_inconclusive, "inconclusive", why};
  return {exit_parity, "no_regression", ""};
}

decision decide_node(const std::vector<node_part>& parts) {
  const auto why = [](const node_part& p) {
    return p.name + ": " + (p.reason.empty() ? "verdict " + p.verdict : p.reason);
  };
  for (const auto& p : parts)
    if (!p.skipped && p.exit_code > exit_interrupted_base) return {p.exit_code, "error", why(p)};
  int ran = 0;
  for (const auto& p : parts) {
    if (p.skipped) continue;
    ++ran;
    const bool known_verdict =
        p.verdict == "parity" || p.verdict == "degraded" || p.verdict == "inconclusive";
    const bool known_code = p.exit_code == exit_parity || p.exit_code == exit_degraded ||
                            p.exit_code == exit_inconclusive || p.exit_code == exit_not_comparable;
    if (!known_verdict || !known_code) return {exit_error, "error", why(p)};
  }
  if (ran == 0) return {exit_error, "error", "no GPU was judged"};
  int code = exit_parity;
  std::string verdict = "parity";
  for (const auto& p : parts) {
    if (p.skipped) continue;
    code = combined_exit_code(code, p.exit_code);
    if (p.verdict == "degraded" || (p.verdict == "inconclusive" && verdict == "parity"))
      verdict = p.verdict;
  }
  if (code == exit_parity) return {code, verdict, ""};
  // The reason of the first part that gave the node its verdict, else its exit code.
  for (const auto& p : parts)
    if (!p.skipped && p.verdict == verdict && verdict != "parity") return {code, verdict, why(p)};
  for (const auto& p : parts)
    if (!p.skipped && p.exit_code == code) return {code, verdict, why(p)};
  return {code, verdict, ""};
}

}  // namespace gpuparity::harness
