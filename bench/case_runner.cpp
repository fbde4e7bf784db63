#include "case_runner.hpp"

namespace gpuparity {

case_status status_of(error_kind k) {
  switch (k) {
    case error_kind::no_device:
      return case_status::no_device;
    case error_kind::not_supported:
      return case_status::not_supported;
    case error_kind::incorrect:
      return case_status::incorrect;
    default:
      return case_status::failed;
  }
}

int batch_for(double one_call_s, double target_s) {
  if (!(one_call_s > 0.0)) return 1;
  const double b = target_s / one_call_s;
  return b < 1.0 ? 1 : b > 1000.0 ? 1000 : static_cast<int>(b + 0.5);
}

std::string status_message(case_status s, const std::string& reason) {
  return std::string(case_status_name(s)) + ": " + reason;
}

}  // namespace gpuparity

namespace gpuparity {

void require_device_memory(std::size_t bytes, const std::string& what, const std::string& flag) {
  std::size_t free_bytes = 0, total = 0;
  GPUPARITY_CUDA_CHECK(cudaMemGetInfo(&free_bytes, &total));
  if (bytes > free_bytes) {
    auto gib = [](std::size_t b) { return std::to_string(static_cast<double>(b) / (1u << 30)); };
    throw gpu_error(error_kind::out_of_memory, 0,
                    what + " needs " + gib(bytes) + " GiB of device memory but only " +
                        gib(free_bytes) + " GiB of " + gib(total) + " GiB are free; lower " + flag);
  }
}

}  // namespace gpuparity
