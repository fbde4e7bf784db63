#pragma once
// GPU telemetry sampled while trials run, through NVML loaded at run time (dlopen):
// containers and CI machines may have no NVML, and the harness never links CUDA.
// A trial during which the GPU reported a throttling reason is marked, so that a verdict
// resting on throttled trials says so.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "gpu_state.hpp"

namespace gpuparity::harness {

struct telemetry_sample {
  double t = 0.0;  // seconds since the run started
  unsigned sm_clock_mhz = 0, memory_clock_mhz = 0, temperature_c = 0;
  double power_w = 0.0;
  std::uint64_t clock_event_reasons = 0;  // NVML clocks-event (throttle) reason bits
};

// NVML reason bits that slow the GPU: power cap, thermal and hardware slowdowns, power
// brake. Idle, application clocks, sync boost and display settings are not throttling.
inline constexpr std::uint64_t throttling_reasons = 0x4 | 0x8 | 0x20 | 0x40 | 0x80;

// {"sw_power_cap", "hw_thermal_slowdown", ...} for the bits set in `mask`.
std::vector<std::string> clock_event_reason_names(std::uint64_t mask);

// The throttling reasons seen in samples with t0 <= t <= t1.
std::uint64_t throttling_during(const std::vector<telemetry_sample>& samples, double t0, double t1);

class telemetry {
 public:
  telemetry(std::chrono::steady_clock::time_point origin, double period_s = 0.1,
            std::string nvml_library = "libnvidia-ml.so.1");
  ~telemetry();
  telemetry(const telemetry&) = delete;
  telemetry& operator=(const telemetry&) = delete;

  // Starts sampling the GPU with this UUID (as CUDA reports it, "GPU-..."). false, with
  // unavailable_reason(), when NVML cannot be loaded or does not know the GPU.
  bool start(const std::string& gpu_uuid);
  void stop();
  bool running() const { return thread_.joinable(); }

  std::vector<telemetry_sample> samples() const;
  const std::string& unavailable_reason() const { return reason_; }
  // The GPU's state read when sampling started and stopped (unknown parts when NVML lacks
  // the functions, or sampling never started).
  const gpu_state& state() const { return state_; }

  // The report's "telemetry" object: availability, device facts and the time series.
  nlohmann::ordered_json to_json() const;

 private:
  struct nvml;
  void loop();
  int other_processes() const;  // compute processes on the GPU now; -1 when unknown

  std::chrono::steady_clock::time_point origin_;
  double period_s_;
  std::string library_;
  std::unique_ptr<nvml> nvml_;
  std::string reason_ = "not started";
  nlohmann::ordered_json device_ = nlohmann::ordered_json::object();
  gpu_state state_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
  mutable std::mutex mutex_;
  std::vector<telemetry_sample> samples_;
};

}  // namespace gpuparity::harness
