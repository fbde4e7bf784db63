#pragma once
// Move-only owners of CUDA resources. Bench code never calls cudaMalloc/cudaFree itself.
#include <cuda_runtime_api.h>

#include <cstddef>
#include <utility>

#include "cuda_error.hpp"

namespace gpuparity {

// Releases a handle with the given deleter; moving transfers ownership.
template <typename Handle, typename Deleter>
class unique_handle {
 public:
  unique_handle() = default;
  explicit unique_handle(Handle h) : h_(h) {}
  unique_handle(const unique_handle&) = delete;
  unique_handle& operator=(const unique_handle&) = delete;
  unique_handle(unique_handle&& o) noexcept : h_(std::exchange(o.h_, Handle{})) {}
  unique_handle& operator=(unique_handle&& o) noexcept {
    if (this != &o) {
      reset();
      h_ = std::exchange(o.h_, Handle{});
    }
    return *this;
  }
  ~unique_handle() { reset(); }
  Handle get() const noexcept { return h_; }
  void reset() noexcept {
    if (h_ != Handle{}) Deleter{}(h_);
    h_ = Handle{};
  }

 private:
  Handle h_{};
};

struct device_free {
  void operator()(void* p) const noexcept { cudaFree(p); }
};
struct host_free {
  void operator()(void* p) const noexcept { cudaFreeHost(p); }
};
struct stream_destroy {
  void operator()(cudaStream_t s) const noexcept { cudaStreamDestroy(s); }
};
struct event_destroy {
  void operator()(cudaEvent_t e) const noexcept { cudaEventDestroy(e); }
};
struct graph_destroy {
  void operator()(cudaGraph_t g) const noexcept { cudaGraphDestroy(g); }
};
struct graph_exec_destroy {
  void operator()(cudaGraphExec_t g) const noexcept { cudaGraphExecDestroy(g); }
};

// Untyped bytes, typed views through data<T>().
template <typename Free>
class buffer {
 public:
  buffer() = default;
  std::size_t bytes() const noexcept { return bytes_; }
  template <typename T>
  T* data() const noexcept {
    return static_cast<T*>(mem_.get());
  }
  void* get() const noexcept { return mem_.get(); }

 protected:
  buffer(void* p, std::size_t bytes) : mem_(p), bytes_(bytes) {}

 private:
  unique_handle<void*, Free> mem_;
  std::size_t bytes_ = 0;
};

class device_buffer : public buffer<device_free> {
 public:
  device_buffer() = default;
  explicit device_buffer(std::size_t bytes) : buffer(allocate(bytes), bytes) {}

 private:
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    GPUPARITY_CUDA_CHECK(cudaMalloc(&p, bytes));
    return p;
  }
};

// Page-locked host memory: what the copy engines reach at full PCIe speed.
class pinned_buffer : public buffer<host_free> {
 public:
  pinned_buffer() = default;
  explicit pinned_buffer(std::size_t bytes) : buffer(allocate(bytes), bytes) {}

 private:
  static void* allocate(std::size_t bytes) {
    void* p = nullptr;
    GPUPARITY_CUDA_CHECK(cudaMallocHost(&p, bytes));
    return p;
  }
};

class stream {
 public:
  stream() {
    cudaStream_t s = nullptr;
    GPUPARITY_CUDA_CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    s_ = unique_handle<cudaStream_t, stream_destroy>(s);
  }
  cudaStream_t get() const noexcept { return s_.get(); }
  void synchronize() const { GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(get())); }

 private:
  unique_handle<cudaStream_t, stream_destroy> s_;
};

class event {
 public:
  event() {
    cudaEvent_t e = nullptr;
    GPUPARITY_CUDA_CHECK(cudaEventCreate(&e));
    e_ = unique_handle<cudaEvent_t, event_destroy>(e);
  }
  cudaEvent_t get() const noexcept { return e_.get(); }
  void record(cudaStream_t s) const { GPUPARITY_CUDA_CHECK(cudaEventRecord(get(), s)); }

 private:
  unique_handle<cudaEvent_t, event_destroy> e_;
};

// Restores the calling thread's current device when it goes out of scope.
class device_guard {
 public:
  device_guard() { GPUPARITY_CUDA_CHECK(cudaGetDevice(&saved_)); }
  device_guard(const device_guard&) = delete;
  device_guard& operator=(const device_guard&) = delete;
  ~device_guard() { cudaSetDevice(saved_); }

 private:
  int saved_ = 0;
};

// Device `from` may access device `to`'s memory directly while this lives. Access that was
// already enabled (by someone else) is left enabled; access enabled here is disabled again,
// so a case leaves the devices as it found them.
class peer_access {
 public:
  peer_access(int from, int to) : from_(from), to_(to) {
    device_guard keep;
    GPUPARITY_CUDA_CHECK(cudaSetDevice(from));
    const cudaError_t e = cudaDeviceEnablePeerAccess(to, 0);
    if (e == cudaErrorPeerAccessAlreadyEnabled)
      (void)cudaGetLastError();  // the runtime also keeps it as the last error: clear that
    else
      GPUPARITY_CUDA_CHECK(e);
    enabled_here_ = e == cudaSuccess;
  }
  peer_access(const peer_access&) = delete;
  peer_access& operator=(const peer_access&) = delete;
  ~peer_access() {
    if (!enabled_here_) return;
    int saved = 0;
    if (cudaGetDevice(&saved) != cudaSuccess) return;
    if (cudaSetDevice(from_) == cudaSuccess) cudaDeviceDisablePeerAccess(to_);
    cudaSetDevice(saved);
  }

 private:
  int from_, to_;
  bool enabled_here_ = false;
};

// Seconds between two recorded events, after waiting for the second.
inline double elapsed_seconds(const event& start, const event& stop) {
  GPUPARITY_CUDA_CHECK(cudaEventSynchronize(stop.get()));
  float ms = 0.0f;
  GPUPARITY_CUDA_CHECK(cudaEventElapsedTime(&ms, start.get(), stop.get()));
  return static_cast<double>(ms) * 1e-3;
}

using graph = unique_handle<cudaGraph_t, graph_destroy>;
using graph_exec = unique_handle<cudaGraphExec_t, graph_exec_destroy>;

}  // namespace gpuparity
