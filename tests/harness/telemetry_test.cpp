#include "telemetry.hpp"

#include <gtest/gtest.h>

namespace gpuparity::harness {
namespace {

TEST(Telemetry, NamesClockEventReasons) {
  EXPECT_EQ(clock_event_reason_names(0x4), std::vector<std::string>{"sw_power_cap"});
  EXPECT_EQ(clock_event_reason_names(0x1 | 0x40),
            (std::vector<std::string>{"gpu_idle", "hw_thermal_slowdown"}));
  EXPECT_EQ(clock_event_reason_names(0x10000), std::vector<std::string>{"other"});
  EXPECT_TRUE(clock_event_reason_names(0).empty());
}

TEST(Telemetry, ThrottlingCountsOnlyInsideTheWindowAndOnlyRealThrottles) {
  std::vector<telemetry_sample> s(4);
  s[0].t = 0.5, s[0].clock_event_reasons = 0x4;   // power cap, before the window
  s[1].t = 1.5, s[1].clock_event_reasons = 0x1;   // idle: not throttling
  s[2].t = 2.0, s[2].clock_event_reasons = 0x2;   // application clocks: not throttling
  s[3].t = 2.5, s[3].clock_event_reasons = 0x20;  // thermal, inside
  EXPECT_EQ(throttling_during(s, 1.0, 2.2), 0u);
  EXPECT_EQ(throttling_during(s, 1.0, 3.0), 0x20u);
  EXPECT_EQ(throttling_during(s, 0.0, 3.0), 0x24u);
}

TEST(Telemetry, SaysWhyWhenNvmlCannotBeLoaded) {
  telemetry t(std::chrono::steady_clock::now(), 0.05, "/nonexistent/libnvidia-ml.so.1");
  EXPECT_FALSE(t.start("GPU-00000000-0000-0000-0000-000000000000"));
  EXPECT_FALSE(t.running());
  EXPECT_NE(t.unavailable_reason().find("could not be loaded"), std::string::npos)
      << t.unavailable_reason();
  const auto j = t.to_json();
  EXPECT_FALSE(j["available"].get<bool>());
  EXPECT_TRUE(j["reason"].is_string());
  EXPECT_TRUE(j["samples"].empty());
}

}  // namespace
}  // namespace gpuparity::harness
