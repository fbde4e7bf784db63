#pragma once
// One family of checks for every CUDA-side API. Each throws a typed error that carries
// the API's error code, the expression and file:line; callers catch in one place.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace gpuparity {

// Which part of the system failed; the bench turns it into a case status and an
// exit code (bench/status.hpp).
enum class error_kind {
  no_device,      // no usable GPU or driver
  out_of_memory,  // the request does not fit the GPU
  cuda,           // any other CUDA runtime error
  cublas,         // cuBLAS / cuBLASLt
  not_supported,  // the GPU or library cannot run this case
  incorrect,      // a result failed its verification
};

class gpu_error : public std::runtime_error {
 public:
  gpu_error(error_kind kind, int code, const std::string& what)
      : std::runtime_error(what), kind_(kind), code_(code) {}
  error_kind kind() const noexcept { return kind_; }
  int code() const noexcept { return code_; }

 private:
  error_kind kind_;
  int code_;
};

inline bool is_no_device_error(cudaError_t e) {
  return e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
         e == cudaErrorInitializationError || e == cudaErrorSystemDriverMismatch ||
         e == cudaErrorCompatNotSupportedOnDevice || e == cudaErrorDevicesUnavailable ||
         e == cudaErrorInvalidDevice || e == cudaErrorSystemNotReady;
}

[[noreturn]] inline void throw_cuda_error(cudaError_t e, const char* expr, const char* file,
                                          int line) {
  error_kind kind = error_kind::cuda;
  if (e == cudaErrorMemoryAllocation) kind = error_kind::out_of_memory;
  if (is_no_device_error(e)) kind = error_kind::no_device;
  throw gpu_error(kind, static_cast<int>(e),
                  std::string(cudaGetErrorName(e)) + " (" + cudaGetErrorString(e) + ") in " + expr +
                      " at " + file + ":" + std::to_string(line));
}

[[noreturn]] inline void throw_cublas_error(cublasStatus_t s, const char* expr, const char* file,
                                            int line) {
  error_kind kind = s == CUBLAS_STATUS_NOT_SUPPORTED  ? error_kind::not_supported
                    : s == CUBLAS_STATUS_ALLOC_FAILED ? error_kind::out_of_memory
                                                      : error_kind::cublas;
  throw gpu_error(kind, static_cast<int>(s),
                  std::string(cublasGetStatusName(s)) + " (" + cublasGetStatusString(s) + ") in " +
                      expr + " at " + file + ":" + std::to_string(line));
}

}  // namespace gpuparity

#define GPUPARITY_CUDA_CHECK(expr)                                              \
  do {                                                                          \
    cudaError_t gpuparity_err_ = (expr);                                        \
    if (gpuparity_err_ != cudaSuccess)                                          \
      ::gpuparity::throw_cuda_error(gpuparity_err_, #expr, __FILE__, __LINE__); \
  } while (0)

// After every kernel launch: launch-configuration errors surface here.
#define GPUPARITY_CHECK_LAUNCH() GPUPARITY_CUDA_CHECK(cudaGetLastError())

#define GPUPARITY_CUBLAS_CHECK(expr)                                             \
  do {                                                                           \
    cublasStatus_t gpuparity_st_ = (expr);                                       \
    if (gpuparity_st_ != CUBLAS_STATUS_SUCCESS)                                  \
      ::gpuparity::throw_cublas_error(gpuparity_st_, #expr, __FILE__, __LINE__); \
  } while (0)
