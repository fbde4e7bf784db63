// A stand-in for libnvidia-ml.so.1 with the functions gpuparity's telemetry resolves
// (harness/telemetry.cpp), so the telemetry and its GPU state are tested on a machine
// without a GPU. What it reports comes from the environment:
//   FAKE_NVML_PROCESSES   compute processes on the GPU (default 0)
//   FAKE_NVML_COMPUTE_MODE  0 default, 1 exclusive thread, 2 prohibited, 3 exclusive process
//   FAKE_NVML_MIG         1 enabled, 0 disabled; unset: MIG not supported
// Return codes are NVML's: 0 success, 3 not supported, 7 insufficient size.
#include <cstdlib>
#include <cstring>

namespace {
int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}
int device_token = 0;
}  // namespace

extern "C" {
int nvmlInit_v2() { return 0; }
int nvmlShutdown() { return 0; }
int nvmlDeviceGetHandleByUUID(const char*, void** device) {
  *device = &device_token;
  return 0;
}
int nvmlDeviceGetName(void*, char* name, unsigned length) {
  std::strncpy(name, "Fake GPU", length);
  return 0;
}
int nvmlDeviceGetClockInfo(void*, unsigned, unsigned* mhz) {
  *mhz = 1980;
  return 0;
}
int nvmlDeviceGetMaxClockInfo(void*, unsigned, unsigned* mhz) {
  *mhz = 1980;
  return 0;
}
int nvmlDeviceGetTemperature(void*, unsigned, unsigned* c) {
  *c = 40;
  return 0;
}
int nvmlDeviceGetPowerUsage(void*, unsigned* mw) {
  *mw = 100000;
  return 0;
}
int nvmlDeviceGetEnforcedPowerLimit(void*, unsigned* mw) {
  *mw = 700000;
  return 0;
}
int nvmlDeviceGetCurrentClocksEventReasons(void*, unsigned long long* reasons) {
  *reasons = 0;
  return 0;
}
int nvmlDeviceGetComputeMode(void*, int* mode) {
  *mode = env_int("FAKE_NVML_COMPUTE_MODE", 0);
  return 0;
}
int nvmlDeviceGetMigMode(void*, unsigned* current, unsigned* pending) {
  const int mig = env_int("FAKE_NVML_MIG", -1);
  if (mig < 0) return 3;
  *current = *pending = static_cast<unsigned>(mig);
  return 0;
}
// Only counts: gpuparity passes no buffer.
int nvmlDeviceGetComputeRunningProcesses_v3(void*, unsigned* count, void* infos) {
  const unsigned n = static_cast<unsigned>(env_int("FAKE_NVML_PROCESSES", 0));
  if (n > *count || (n > 0 && !infos)) {
    *count = n;
    return 7;
  }
  *count = n;
  return 0;
}
}
