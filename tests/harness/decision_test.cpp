// The truth table of the one place that decides pass: every combination of gaps.
#include "decision.hpp"

#include <gtest/gtest.h>

#include "run.hpp"

namespace gpuparity::harness {
namespace {

struct row {
  bool error, failed, mismatched, audit, missing, unjudged, judged, worse, open, disturbed;
};

evidence make(const row& r) {
  evidence e;
  if (r.error) e.error = "native trial: gpuparity-bench was killed by signal 9";
  if (r.failed) e.failed = {"stream/copy: incorrect"};
  if (r.mismatched) e.mismatched = {"GPU model: NVIDIA H100 vs NVIDIA A100"};
  if (r.audit) e.audit_errors = {"no_gpu_in_container: no GPU facts"};
  if (r.missing) e.missing = {"gemm/cublaslt/bf16/8192:flop_per_second"};
  if (r.unjudged) e.unjudged = {"latency/launch:latency_seconds"};
  if (r.disturbed) e.disturbed = {"gpu_shared: 1 other compute process(es) used the GPU"};
  e.judged = r.judged ? 26 : 0;
  e.worse = r.judged && r.worse ? 1 : 0;
  e.open = r.judged && r.open ? 2 : 0;
  return e;
}

TEST(Decision, EveryCombinationOfGaps) {
  int passes = 0;
  for (unsigned bits = 0; bits < (1u << 10); ++bits) {
    const auto bit = [bits](int i) { return ((bits >> i) & 1u) != 0; };
    const row r{bit(0), bit(1), bit(2), bit(3), bit(4), bit(5), bit(6), bit(7), bit(8), bit(9)};
    const evidence e = make(r);
    const decision run = decide_run(e), cmp = decide_comparison(e);
    const bool blocking = r.error || r.failed || r.audit || r.missing;
    const bool clean = !blocking && !r.mismatched && !r.unjudged && r.judged && !e.worse &&
                       !e.open && !r.disturbed;
    SCOPED_TRACE(::testing::Message() << "row bits " << bits);
    // A pass exactly when nothing is wrong, for both kinds of document.
    EXPECT_EQ(run.verdict == "parity", clean);
    EXPECT_EQ(cmp.verdict == "no_regression", clean);
    EXPECT_EQ(run.exit_code == exit_parity, clean);
    EXPECT_EQ(cmp.exit_code == exit_parity, clean);
    EXPECT_EQ(run.reason.empty(), clean) << run.reason;
    passes += clean;
    // Precedence: an error hides every other verdict; a mismatch or nothing judged is an
    // error for a run and not_comparable for a comparison; then worse, then open.
    if (blocking) {
      EXPECT_EQ(run.exit_code, exit_error);
      EXPECT_EQ(cmp.exit_code, exit_error);
    } else if (r.mismatched || !r.judged) {
      EXPECT_EQ(run.verdict, "error");
      EXPECT_EQ(cmp.verdict, "not_comparable");
      EXPECT_EQ(cmp.exit_code, exit_not_comparable);
    } else if (e.worse) {
      EXPECT_EQ(run.verdict, "degraded");
      EXPECT_EQ(cmp.verdict, "regression");
    } else if (e.open || r.unjudged || r.disturbed) {
      EXPECT_EQ(run.exit_code, exit_inconclusive);
      EXPECT_EQ(cmp.exit_code, exit_inconclusive);
    }
  }
  EXPECT_EQ(passes, 1);  // 1 of 1024 rows: judged, and nothing else set
}

TEST(Decision, ReasonsNameWhatIsWrong) {
  evidence e;
  e.judged = 26;
  e.missing = {"a:x", "b:x", "c:x", "d:x", "e:x"};
  const auto d = decide_run(e);
  EXPECT_EQ(d.reason, "5 metric(s) measured on one side only: a:x, b:x, c:x and 2 more");
  e.missing.clear();
  e.unjudged = {"latency/launch:latency_seconds"};
  EXPECT_EQ(decide_run(e).reason,
            "1 metric(s) measured on one side only: latency/launch:latency_seconds");
  e.unjudged.clear();
  e.mismatched = {"GPU model: NVIDIA H100 80GB HBM3 (native) vs NVIDIA A100 (container)"};
  EXPECT_NE(decide_run(e).reason.find("NVIDIA A100"), std::string::npos);
  EXPECT_NE(decide_comparison(e).reason.find("not comparable"), std::string::npos);
  e.mismatched.clear();
  e.disturbed = {"gpu_shared: 2 other compute process(es) used the GPU during the run"};
  EXPECT_EQ(decide_run(e).reason,
            "the measurement was disturbed (gpu_shared: 2 other compute process(es) used the GPU "
            "during the run): no pass on it; run again on an idle GPU");
}

// The findings a report's audit holds that forbid a pass: errors, and a shared GPU (a
// warning, since the container is not its cause, but no pass rests on it); the rest none.
TEST(Decision, AuditGapsAreErrorsAndADisturbedMeasurement) {
  const auto f = nlohmann::ordered_json::parse(R"([
    {"id": "gpu_shared", "severity": "warning", "title": "1 other compute process(es) used the GPU during the run"},
    {"id": "no_gpu_in_container", "severity": "error", "title": "no GPU"},
    {"id": "cpu_quota", "severity": "warning", "title": "a quota"},
    {"id": "other_differences", "severity": "info", "title": "other"},
    {"severity": "error"}])");
  const auto g = audit_gaps_of(f);
  EXPECT_EQ(g.errors, (std::vector<std::string>{"no_gpu_in_container: no GPU", ": "}));
  EXPECT_EQ(g.disturbed, std::vector<std::string>{
                             "gpu_shared: 1 other compute process(es) used the GPU during the run"});
  EXPECT_TRUE(audit_gaps_of(nlohmann::ordered_json()).errors.empty());
  EXPECT_TRUE(audit_gaps_of(nlohmann::ordered_json::object()).disturbed.empty());
}

}  // namespace
}  // namespace gpuparity::harness
