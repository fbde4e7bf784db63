// The evidence the decision gets beyond verdict counts, from trials made by hand.
#include "judge.hpp"

#include <gtest/gtest.h>

namespace gpuparity::harness {
namespace {

trial made_trial(bool container, std::map<std::string, std::string> context) {
  trial t;
  t.index = 1;
  t.container = container;
  program_run r;
  r.program = "gpuparity-bench";
  r.out.parsed = true;
  r.out.context = std::move(context);
  r.out.metrics.push_back({"stream/copy:bytes_per_second", "bytes_per_second",
                           metric_class::bandwidth, true, 3e12, -1});
  t.runs.push_back(r);
  return t;
}

evidence evidence_of(const std::vector<trial>& trials) {
  const auto samples = collect(trials, {});
  const judged j = judge(samples, run_options{});
  return gather_evidence(trials, samples, j, nlohmann::ordered_json::array(), "");
}

const std::map<std::string, std::string> h100 = {{"gpu_name", "NVIDIA H100 80GB HBM3"},
                                                 {"gpu_uuid", "GPU-a"}};

TEST(Evidence, TheSameGpuOnBothSidesIsNoMismatch) {
  EXPECT_TRUE(evidence_of({made_trial(false, h100), made_trial(true, h100)}).mismatched.empty());
}

// A side that names no GPU while the other does proves nothing about the same GPU (in an
// A/A run no audit would say so either).
TEST(Evidence, ASideThatNamesNoGpuIsAMismatch) {
  const auto e = evidence_of({made_trial(false, h100), made_trial(true, {})});
  ASSERT_EQ(e.mismatched.size(), 2u);  // model and UUID
  EXPECT_NE(e.mismatched[0].find("none named"), std::string::npos) << e.mismatched[0];
  EXPECT_EQ(decide_run(e).verdict, "error");
}

TEST(Evidence, AnotherUuidInOneTrialIsAMismatch) {
  auto other = h100;
  other["gpu_uuid"] = "GPU-b";
  auto later = made_trial(true, other);
  later.index = 2;
  const auto e = evidence_of({made_trial(false, h100), made_trial(true, h100), later});
  ASSERT_EQ(e.mismatched.size(), 1u);
  EXPECT_NE(e.mismatched[0].find("GPU UUID"), std::string::npos) << e.mismatched[0];
}

}  // namespace
}  // namespace gpuparity::harness
