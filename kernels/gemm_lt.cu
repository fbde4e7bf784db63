#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_fp8.h>

#include "gemm_lt.hpp"

namespace gpuparity {
namespace {

cudaDataType_t cuda_type(dtype t) {
  switch (t) {
    case dtype::fp64:
      return CUDA_R_64F;
    case dtype::fp32:
    case dtype::tf32:
      return CUDA_R_32F;
    case dtype::fp16:
      return CUDA_R_16F;
    case dtype::bf16:
      return CUDA_R_16BF;
    case dtype::fp8_e4m3:
      return CUDA_R_8F_E4M3;
  }
  return CUDA_R_32F;
}

cublasComputeType_t compute_type(dtype t) {
  switch (t) {
    case dtype::fp64:
      return CUBLAS_COMPUTE_64F;
    case dtype::tf32:
      return CUBLAS_COMPUTE_32F_FAST_TF32;
    default:
      return CUBLAS_COMPUTE_32F;
  }
}

cublasLtMatrixLayout_t make_layout(dtype t, int rows, int cols) {
  cublasLtMatrixLayout_t l = nullptr;
  GPUPARITY_CUBLAS_CHECK(cublasLtMatrixLayoutCreate(
      &l, cuda_type(t), static_cast<std::uint64_t>(rows), static_cast<std::uint64_t>(cols), rows));
  return l;
}

}  // namespace

lt_handle::lt_handle() {
  cublasLtHandle_t h = nullptr;
  GPUPARITY_CUBLAS_CHECK(cublasLtCreate(&h));
  h_ = unique_handle<cublasLtHandle_t, lt_handle_destroy>(h);
}

dtype gemm_output_type(dtype input) { return input == dtype::fp8_e4m3 ? dtype::bf16 : input; }

lt_gemm::lt_gemm(const lt_handle& handle, dtype type, int m, int n, int k,
                 std::size_t workspace_bytes)
    : handle_(handle.get()), type_(type), m_(m), n_(n), k_(k), workspace_(workspace_bytes) {
  cublasLtMatmulDesc_t desc = nullptr;
  const cudaDataType_t scale = type == dtype::fp64 ? CUDA_R_64F : CUDA_R_32F;
  GPUPARITY_CUBLAS_CHECK(cublasLtMatmulDescCreate(&desc, compute_type(type), scale));
  desc_ = decltype(desc_)(desc);
  const cublasOperation_t trans_a = CUBLAS_OP_T, trans_b = CUBLAS_OP_N;
  GPUPARITY_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSA, &trans_a, sizeof(trans_a)));
  GPUPARITY_CUBLAS_CHECK(
      cublasLtMatmulDescSetAttribute(desc, CUBLASLT_MATMUL_DESC_TRANSB, &trans_b, sizeof(trans_b)));
  a_ = decltype(a_)(make_layout(type, k, m));
  b_ = decltype(b_)(make_layout(type, k, n));
  d_ = decltype(d_)(make_layout(gemm_output_type(type), m, n));
  cublasLtMatmulPreference_t pref = nullptr;
  GPUPARITY_CUBLAS_CHECK(cublasLtMatmulPreferenceCreate(&pref));
  pref_ = decltype(pref_)(pref);
  GPUPARITY_CUBLAS_CHECK(cublasLtMatmulPreferenceSetAttribute(
      pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspace_bytes, sizeof(workspace_bytes)));
}

std::vector<cublasLtMatmulHeuristicResult_t> lt_gemm::candidates(int max_count) const {
  std::vector<cublasLtMatmulHeuristicResult_t> r(static_cast<std::size_t>(max_count));
  int found = 0;
  GPUPARITY_CUBLAS_CHECK(cublasLtMatmulAlgoGetHeuristic(handle_, desc_.get(), a_.get(), b_.get(),
                                                        d_.get(), d_.get(), pref_.get(), max_count,
                                                        r.data(), &found));
  r.resize(static_cast<std::size_t>(found));
  return r;
}

void lt_gemm::run(const cublasLtMatmulAlgo_t& algo, const void* a, const void* b, void* d,
                  cudaStream_t s) const {
  const double alpha64 = 1.0, beta64 = 0.0;
  const float alpha32 = 1.0f, beta32 = 0.0f;
  const void* alpha = type_ == dtype::fp64 ? static_cast<const void*>(&alpha64) : &alpha32;
  const void* beta = type_ == dtype::fp64 ? static_cast<const void*>(&beta64) : &beta32;
  GPUPARITY_CUBLAS_CHECK(cublasLtMatmul(handle_, desc_.get(), alpha, a, a_.get(), b, b_.get(), beta,
                                        d, d_.get(), d, d_.get(), &algo, workspace_.get(),
                                        workspace_.bytes(), s));
}

double element_as_double(dtype t, const void* p, std::size_t i) {
  switch (t) {
    case dtype::fp64:
      return static_cast<const double*>(p)[i];
    case dtype::fp32:
    case dtype::tf32:
      return static_cast<const float*>(p)[i];
    case dtype::fp16:
      return __half2float(static_cast<const __half*>(p)[i]);
    case dtype::bf16:
      return __bfloat162float(static_cast<const __nv_bfloat16*>(p)[i]);
    case dtype::fp8_e4m3:
      return static_cast<float>(static_cast<const __nv_fp8_e4m3*>(p)[i]);
  }
  return 0.0;
}

}  // namespace gpuparity
