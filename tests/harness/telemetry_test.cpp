#include "telemetry.hpp"

#include <gtest/gtest.h>

#include <cstdlib>

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

// The GPU's state through a stand-in NVML (fake_nvml.cpp): the compute processes that are
// not gpuparity's when sampling starts and stops, the compute mode, MIG; absent parts stay
// unknown.
TEST(Telemetry, ReadsTheGpuStateWhenSamplingStartsAndStops) {
  setenv("FAKE_NVML_PROCESSES", "2", 1);
  setenv("FAKE_NVML_COMPUTE_MODE", "3", 1);
  unsetenv("FAKE_NVML_MIG");
  telemetry t(std::chrono::steady_clock::now(), 0.01, GPUPARITY_FAKE_NVML);
  ASSERT_TRUE(t.start("GPU-00000000-0000-0000-0000-000000000000")) << t.unavailable_reason();
  setenv("FAKE_NVML_PROCESSES", "1", 1);
  t.stop();
  EXPECT_EQ(t.state().other_processes_at_start, 2);
  EXPECT_EQ(t.state().other_processes_at_end, 1);
  EXPECT_EQ(t.state().compute_mode, "exclusive_process");
  EXPECT_EQ(t.state().mig_mode, "");
  const auto j = t.to_json();
  EXPECT_TRUE(j["available"].get<bool>());
  EXPECT_EQ(j["device"]["state"],
            nlohmann::ordered_json({{"compute_mode", "exclusive_process"},
                                    {"other_compute_processes_at_start", 2},
                                    {"other_compute_processes_at_end", 1}}));
  EXPECT_EQ(j["device"]["name"], "Fake GPU");

  setenv("FAKE_NVML_PROCESSES", "0", 1);
  setenv("FAKE_NVML_COMPUTE_MODE", "0", 1);
  setenv("FAKE_NVML_MIG", "1", 1);
  telemetry idle(std::chrono::steady_clock::now(), 0.01, GPUPARITY_FAKE_NVML);
  ASSERT_TRUE(idle.start("GPU-00000000-0000-0000-0000-000000000000"));
  idle.stop();
  EXPECT_EQ(idle.state().other_processes_at_start, 0);
  EXPECT_EQ(idle.state().other_processes_at_end, 0);
  EXPECT_EQ(idle.state().compute_mode, "default");
  EXPECT_EQ(idle.state().mig_mode, "enabled");
  for (const char* v : {"FAKE_NVML_PROCESSES", "FAKE_NVML_COMPUTE_MODE", "FAKE_NVML_MIG"})
    unsetenv(v);
}

}  // namespace
}  // namespace gpuparity::harness
