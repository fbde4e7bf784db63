#pragma once
// cuBLASLt GEMM, "TN" layout (the one FP8 requires, used for every type so all compare):
// D(m x n) = A^T B with A stored k x m and B stored k x n, column-major, beta = 0.
#include <cublasLt.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "cuda_raii.hpp"
#include "dtype.hpp"

namespace gpuparity {

struct lt_handle_destroy {
  void operator()(cublasLtHandle_t h) const noexcept { cublasLtDestroy(h); }
};
struct lt_matmul_desc_destroy {
  void operator()(cublasLtMatmulDesc_t d) const noexcept { cublasLtMatmulDescDestroy(d); }
};
struct lt_layout_destroy {
  void operator()(cublasLtMatrixLayout_t l) const noexcept { cublasLtMatrixLayoutDestroy(l); }
};
struct lt_preference_destroy {
  void operator()(cublasLtMatmulPreference_t p) const noexcept {
    cublasLtMatmulPreferenceDestroy(p);
  }
};

class lt_handle {
 public:
  lt_handle();
  cublasLtHandle_t get() const noexcept { return h_.get(); }

 private:
  unique_handle<cublasLtHandle_t, lt_handle_destroy> h_;
};

// Element type of D for a given input type (fp8 products are written as bf16).
dtype gemm_output_type(dtype input);

class lt_gemm {
 public:
  lt_gemm(const lt_handle& handle, dtype type, int m, int n, int k, std::size_t workspace_bytes);

  // Up to max_count algorithms from cuBLASLt's heuristic, best first.
  std::vector<cublasLtMatmulHeuristicResult_t> candidates(int max_count) const;

  void run(const cublasLtMatmulAlgo_t& algo, const void* a, const void* b, void* d,
           cudaStream_t s) const;

  double flops() const { return 2.0 * m_ * n_ * static_cast<double>(k_); }
  dtype type() const { return type_; }

 private:
  cublasLtHandle_t handle_;
  dtype type_;
  int m_, n_, k_;
  device_buffer workspace_;
  unique_handle<cublasLtMatmulDesc_t, lt_matmul_desc_destroy> desc_;
  unique_handle<cublasLtMatrixLayout_t, lt_layout_destroy> a_, b_, d_;
  unique_handle<cublasLtMatmulPreference_t, lt_preference_destroy> pref_;
};

// Element i of a device array of type t, read on the host from a copy, as double.
double element_as_double(dtype t, const void* host_copy, std::size_t i);

}  // namespace gpuparity
