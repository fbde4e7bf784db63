#pragma once
// The one place that decides whether a run or a comparison may say it passed
// (`parity`, `no_regression`). Call sites gather the evidence; they never re-derive a
// verdict. A pass needs every gap below empty: a metric measured on one side only, a case
// that failed, facts the two sides must share and do not, an audit finding of severity
// error, or a run-level error; and no finding that the measurement itself was disturbed.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace gpuparity::harness {

struct evidence {
  std::string error;                      // a run-level error (a trial failed, interrupted, ...)
  std::vector<std::string> failed;        // cases that failed verification or errored
  std::vector<std::string> mismatched;    // facts both sides must share: "GPU model: A vs B"
  std::vector<std::string> audit_errors;  // audit findings of severity error ("id: title")
  std::vector<std::string> disturbed;     // audit findings that the measurement was disturbed
  std::vector<std::string> missing;       // metrics measured on one side only, unexplained
  std::vector<std::string> vanished;  // measured in a warm-up, in no judged trial on either side
  std::vector<std::string> unjudged;  // on one side only, explained (the user's --filter, a
                                      // metric newer than the baseline): inconclusive at best
  int judged = 0;                     // deciding metrics judged on both sides
  int worse = 0;                      // of those: degraded / regression
  int open = 0;                       // of those: inconclusive
  bool warmup_only = false;  // trials ran, all of them warm-ups: the budget ended before any
                             // measured trial (run: inconclusive, not an error)
};

// A report's audit findings (its "audit" array) that forbid a pass, as "id: title": those of
// severity error, and those saying the measurement itself was disturbed: other processes
// computing on the GPU during the run (`gpu_shared`) slow both sides and make them noisier,
// so equal sides prove nothing about the container, and a baseline measured so is no
// reference. A disturbed run is inconclusive at best, never a pass.
struct audit_gaps {
  std::vector<std::string> errors, disturbed;
};
audit_gaps audit_gaps_of(const nlohmann::ordered_json& findings);
// One finding (not of severity error) that says the measurement was disturbed: the
// renderings show it as what holds a pass back (JUnit: skipped), not as a note.
bool disturbs_measurement(const nlohmann::ordered_json& finding);

struct decision {
  int exit_code;
  std::string verdict;
  std::string reason;  // why, when the verdict is not a pass ("" for a pass)
};

// A stored `parity` against the report's own audit findings (one from an older gpuparity, or
// edited): the verdict decide_run gives those findings alone (error, inconclusive, or parity).
decision recheck_pass(const nlohmann::ordered_json& findings);

// run: error (4) for a run-level error, a failed case, a mismatch, an audit error, a
// missing metric or nothing judged; then degraded (1), inconclusive (3, also for unjudged
// metrics and a disturbed measurement), parity (0).
decision decide_run(const evidence& e);

// compare: error (4) for an error, a failed case, an audit error or a missing metric;
// not_comparable (5) for a mismatch or nothing judged; then regression (1), inconclusive
// (3, also for unjudged metrics and a disturbed measurement), no_regression (0).
decision decide_comparison(const evidence& e);

// node (`gpuparity node`, node.hpp): the worst of its parts, never a pass that a part does
// not give: error (4) when there is no part that ran, when a part is an error or says
// anything but parity, degraded or inconclusive; an interrupted part's 128 + signal; then
// degraded (1), not_comparable (5, a part's --baseline), inconclusive (3), parity (0). A
// skipped part (a node-wide run with no such cases) counts for nothing.
struct node_part;
decision decide_node(const std::vector<node_part>& parts);

// "a, b, c and 4 more": a list for a one-line reason.
std::string short_list(const std::vector<std::string>& items, std::size_t shown = 3);

}  // namespace gpuparity::harness
