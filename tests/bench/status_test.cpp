#include "status.hpp"

#include <gtest/gtest.h>

namespace gpuparity {
namespace {

TEST(Outcome, AllPassedIsOk) {
  outcome o;
  o.add(case_status::passed);
  o.add(case_status::passed);
  EXPECT_EQ(o.exit_code(), exit_ok);
}

TEST(Outcome, NotSupportedDoesNotFail) {
  outcome o;
  o.add(case_status::passed);
  o.add(case_status::not_supported);
  EXPECT_EQ(o.exit_code(), exit_ok);
}

TEST(Outcome, SeverityOrder) {
  outcome o;
  o.add(case_status::failed);
  EXPECT_EQ(o.exit_code(), exit_failed);
  o.add(case_status::incorrect);
  EXPECT_EQ(o.exit_code(), exit_incorrect);
  o.add(case_status::no_device);
  EXPECT_EQ(o.exit_code(), exit_no_device);
  EXPECT_EQ(o.count(case_status::failed), 1);
}

TEST(ExitCodes, AreDistinct) {
  const int codes[] = {exit_ok, exit_usage, exit_incorrect, exit_failed, exit_no_device};
  for (int i = 0; i < 5; ++i)
    for (int j = i + 1; j < 5; ++j) EXPECT_NE(codes[i], codes[j]);
}

}  // namespace
}  // namespace gpuparity
