#include "telemetry.hpp"

#include <dlfcn.h>

#include <utility>

namespace gpuparity::harness {

namespace {
using device_t = void*;  // nvmlDevice_t
constexpr unsigned clock_sm = 1, clock_mem = 2, temperature_gpu = 0;

template <typename F>
F symbol(void* lib, const char* name) {
  return reinterpret_cast<F>(dlsym(lib, name));
}
}  // namespace

// The NVML entry points used, resolved once.
struct telemetry::nvml {
  void* lib = nullptr;
  device_t device = nullptr;
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  int (*by_uuid)(const char*, device_t*) = nullptr;
  int (*clock)(device_t, unsigned, unsigned*) = nullptr;
  int (*max_clock)(device_t, unsigned, unsigned*) = nullptr;
  int (*temperature)(device_t, unsigned, unsigned*) = nullptr;
  int (*power)(device_t, unsigned*) = nullptr;        // milliwatts
  int (*power_limit)(device_t, unsigned*) = nullptr;  // milliwatts
  int (*reasons)(device_t, unsigned long long*) = nullptr;
  int (*name)(device_t, char*, unsigned) = nullptr;
  int (*compute_mode)(device_t, int*) = nullptr;
  int (*mig_mode)(device_t, unsigned*, unsigned*) = nullptr;
  // nvmlDeviceGetComputeRunningProcesses(_v3, _v2): called with no buffer it only counts,
  // so the layout of its process records (which changed between versions) never matters.
  int (*processes)(device_t, unsigned*, void*) = nullptr;
  bool initialised = false;

  ~nvml() {
    if (initialised && shutdown) shutdown();
    if (lib) dlclose(lib);
  }
};

std::vector<std::string> clock_event_reason_names(std::uint64_t mask) {
  static const std::pair<std::uint64_t, const char*> names[] = {
      {0x1, "gpu_idle"},
      {0x2, "applications_clocks_setting"},
      {0x4, "sw_power_cap"},
      {0x8, "hw_slowdown"},
      {0x10, "sync_boost"},
      {0x20, "sw_thermal_slowdown"},
      {0x40, "hw_thermal_slowdown"},
      {0x80, "hw_power_brake_slowdown"},
      {0x100, "display_clock_setting"}};
  std::vector<std::string> out;
  std::uint64_t known = 0;
  for (const auto& [bit, name] : names) {
    known |= bit;
    if (mask & bit) out.emplace_back(name);
  }
  if (mask & ~known) out.emplace_back("other");
  return out;
}

std::uint64_t throttling_during(const std::vector<telemetry_sample>& samples, double t0,
                                double t1) {
  std::uint64_t m = 0;
  for (const auto& s : samples)
    if (s.t >= t0 && s.t <= t1) m |= s.clock_event_reasons & throttling_reasons;
  return m;
}

telemetry::telemetry(std::chrono::steady_clock::time_point origin, double period_s,
                     std::string nvml_library)
    : origin_(origin), period_s_(period_s), library_(std::move(nvml_library)) {}

telemetry::~telemetry() { stop(); }

bool telemetry::start(const std::string& gpu_uuid) {
  if (running()) return true;
  auto n = std::make_unique<nvml>();
  n->lib = dlopen(library_.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!n->lib) {
    reason_ = "NVML (" + library_ + ") could not be loaded: " + dlerror();
    return false;
  }
  n->init = symbol<int (*)()>(n->lib, "nvmlInit_v2");
  n->shutdown = symbol<int (*)()>(n->lib, "nvmlShutdown");
  n->by_uuid = symbol<int (*)(const char*, device_t*)>(n->lib, "nvmlDeviceGetHandleByUUID");
  n->clock = symbol<int (*)(device_t, unsigned, unsigned*)>(n->lib, "nvmlDeviceGetClockInfo");
  n->max_clock =
      symbol<int (*)(device_t, unsigned, unsigned*)>(n->lib, "nvmlDeviceGetMaxClockInfo");
  n->temperature =
      symbol<int (*)(device_t, unsigned, unsigned*)>(n->lib, "nvmlDeviceGetTemperature");
  n->power = symbol<int (*)(device_t, unsigned*)>(n->lib, "nvmlDeviceGetPowerUsage");
  n->power_limit = symbol<int (*)(device_t, unsigned*)>(n->lib, "nvmlDeviceGetEnforcedPowerLimit");
  n->reasons = symbol<int (*)(device_t, unsigned long long*)>(
      n->lib, "nvmlDeviceGetCurrentClocksEventReasons");
  if (!n->reasons)  // drivers before 535 name it for throttling
    n->reasons = symbol<int (*)(device_t, unsigned long long*)>(
        n->lib, "nvmlDeviceGetCurrentClocksThrottleReasons");
  n->name = symbol<int (*)(device_t, char*, unsigned)>(n->lib, "nvmlDeviceGetName");
  n->compute_mode = symbol<int (*)(device_t, int*)>(n->lib, "nvmlDeviceGetComputeMode");
  n->mig_mode = symbol<int (*)(device_t, unsigned*, unsigned*)>(n->lib, "nvmlDeviceGetMigMode");
  for (const char* f : {"nvmlDeviceGetComputeRunningProcesses_v3",
                        "nvmlDeviceGetComputeRunningProcesses_v2",
                        "nvmlDeviceGetComputeRunningProcesses"})
    if (!n->processes) n->processes = symbol<int (*)(device_t, unsigned*, void*)>(n->lib, f);
  if (!n->init || !n->by_uuid || !n->clock || !n->temperature || !n->power || !n->reasons) {
    reason_ = "NVML (" + library_ + ") lacks the sampling functions";
    return false;
  }
  if (n->init() != 0) {
    reason_ = "nvmlInit failed (is the NVIDIA driver loaded?)";
    return false;
  }
  n->initialised = true;
  if (gpu_uuid.empty() || n->by_uuid(gpu_uuid.c_str(), &n->device) != 0) {
    reason_ = "NVML does not know the GPU " + (gpu_uuid.empty() ? "(no UUID)" : gpu_uuid);
    return false;
  }
  device_ = nlohmann::ordered_json::object();
  device_["uuid"] = gpu_uuid;
  char name[96] = {0};
  if (n->name && n->name(n->device, name, sizeof name) == 0) device_["name"] = name;
  unsigned v = 0;
  if (n->power_limit && n->power_limit(n->device, &v) == 0) device_["power_limit_w"] = v / 1000.0;
  if (n->max_clock && n->max_clock(n->device, clock_sm, &v) == 0) device_["max_sm_clock_mhz"] = v;
  if (n->max_clock && n->max_clock(n->device, clock_mem, &v) == 0)
    device_["max_memory_clock_mhz"] = v;
  static const char* const modes[] = {"default", "exclusive_thread", "prohibited",
                                      "exclusive_process"};
  int mode = -1;
  if (n->compute_mode && n->compute_mode(n->device, &mode) == 0 && mode >= 0 && mode < 4)
    state_.compute_mode = modes[mode];
  unsigned mig = 0, pending = 0;
  if (n->mig_mode && n->mig_mode(n->device, &mig, &pending) == 0)
    state_.mig_mode = mig ? "enabled" : "disabled";
  nvml_ = std::move(n);
  state_.other_processes_at_start = other_processes();
  reason_.clear();
  stop_ = false;
  thread_ = std::thread([this] { loop(); });
  return true;
}

void telemetry::loop() {
  const auto period = std::chrono::duration<double>(period_s_);
  auto next = std::chrono::steady_clock::now();
  while (!stop_) {
    telemetry_sample s;
    s.t = std::chrono::duration<double>(std::chrono::steady_clock::now() - origin_).count();
    const auto d = nvml_->device;
    nvml_->clock(d, clock_sm, &s.sm_clock_mhz);
    nvml_->clock(d, clock_mem, &s.memory_clock_mhz);
    nvml_->temperature(d, temperature_gpu, &s.temperature_c);
    unsigned mw = 0;
    if (nvml_->power(d, &mw) == 0) s.power_w = mw / 1000.0;
    unsigned long long r = 0;
    if (nvml_->reasons(d, &r) == 0) s.clock_event_reasons = r;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      samples_.push_back(s);
    }
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(period);
    std::this_thread::sleep_until(next);
  }
}

void telemetry::stop() {
  stop_ = true;
  if (!thread_.joinable()) return;
  thread_.join();
  state_.other_processes_at_end = other_processes();
}

int telemetry::other_processes() const {
  if (!nvml_ || !nvml_->processes) return -1;
  unsigned count = 0;
  // NVML_SUCCESS (0): none; NVML_ERROR_INSUFFICIENT_SIZE (7): count holds how many.
  const int rc = nvml_->processes(nvml_->device, &count, nullptr);
  return rc == 0 ? 0 : rc == 7 ? static_cast<int>(count) : -1;
}

std::vector<telemetry_sample> telemetry::samples() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return samples_;
}

nlohmann::ordered_json telemetry::to_json() const {
  nlohmann::ordered_json j;
  const auto s = samples();
  j["available"] = reason_.empty();
  j["reason"] = reason_.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(reason_);
  j["source"] = "NVML";
  j["device"] = device_;
  if (reason_.empty()) {
    j["device"]["state"] = harness::to_json(state_);
  }
  j["period_seconds"] = period_s_;
  j["columns"] = {"t_seconds",     "sm_clock_mhz", "memory_clock_mhz",
                  "temperature_c", "power_w",      "clock_event_reasons"};
  auto rows = nlohmann::ordered_json::array();
  for (const auto& x : s)
    rows.push_back({x.t, x.sm_clock_mhz, x.memory_clock_mhz, x.temperature_c, x.power_w,
                    x.clock_event_reasons});
  j["samples"] = rows;
  return j;
}

}  // namespace gpuparity::harness
