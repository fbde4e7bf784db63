// Experiment (tests/gpu/noise_sources.sh placement): is a process's fast or slow host
// launch latency a property of the process, of its CUDA context, or of the stream (the
// hardware channel) it launches on? One process: 3 contexts in turn (cudaDeviceReset
// between them), 8 streams each, 4 rounds over the streams; prints the mean launch-to-
// completion latency (microseconds) of 2000 empty kernels per stream and round, and the
// same for 4-byte pinned host-to-device copies.
#include <cuda_runtime_api.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

__global__ void empty_kernel() {}

#define CHECK(x)                                                                   \
  do {                                                                             \
    cudaError_t e = (x);                                                           \
    if (e != cudaSuccess) {                                                        \
      std::fprintf(stderr, "%s: %s\n", #x, cudaGetErrorString(e));                \
      std::exit(1);                                                                \
    }                                                                              \
  } while (0)

template <typename Fn>
double mean_us(int n, Fn&& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i) fn();
  const auto t1 = std::chrono::steady_clock::now();
  return std::chrono::duration<double, std::micro>(t1 - t0).count() / n;
}

int main() {
  constexpr int streams = 8, rounds = 4, n = 2000;
  for (int ctx = 0; ctx < 3; ++ctx) {
    CHECK(cudaSetDevice(0));
    cudaStream_t s[streams];
    for (auto& x : s) CHECK(cudaStreamCreateWithFlags(&x, cudaStreamNonBlocking));
    unsigned* host = nullptr;
    unsigned* dev = nullptr;
    CHECK(cudaHostAlloc(&host, sizeof *host, cudaHostAllocDefault));
    CHECK(cudaMalloc(&dev, sizeof *dev));
    for (auto& x : s)  // warm-up
      for (int i = 0; i < 200; ++i) {
        empty_kernel<<<1, 1, 0, x>>>();
        CHECK(cudaStreamSynchronize(x));
      }
    for (int r = 0; r < rounds; ++r) {
      std::printf("ctx%d round%d launch", ctx, r);
      for (auto& x : s)
        std::printf(" %.3f", mean_us(n, [&] {
                      empty_kernel<<<1, 1, 0, x>>>();
                      cudaStreamSynchronize(x);
                    }));
      std::printf("\nctx%d round%d memcpy", ctx, r);
      for (auto& x : s)
        std::printf(" %.3f", mean_us(n, [&] {
                      ++*host;
                      cudaMemcpyAsync(dev, host, sizeof *host, cudaMemcpyHostToDevice, x);
                      cudaStreamSynchronize(x);
                    }));
      std::printf("\n");
    }
    CHECK(cudaGetLastError());
    for (auto& x : s) CHECK(cudaStreamDestroy(x));
    CHECK(cudaFreeHost(host));
    CHECK(cudaFree(dev));
    CHECK(cudaDeviceReset());
  }
  return 0;
}
