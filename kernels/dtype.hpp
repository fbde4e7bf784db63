#pragma once
// Element types the matrix workloads use, with their names in case names and reports.
#include <cstddef>
#include <string>

namespace gpuparity {

enum class dtype { fp64, fp32, tf32, fp16, bf16, fp8_e4m3 };

inline const char* dtype_name(dtype t) {
  switch (t) {
    case dtype::fp64:
      return "fp64";
    case dtype::fp32:
      return "fp32";
    case dtype::tf32:
      return "tf32";
    case dtype::fp16:
      return "fp16";
    case dtype::bf16:
      return "bf16";
    case dtype::fp8_e4m3:
      return "fp8";
  }
  return "unknown";
}

// Bytes of one stored element (tf32 is stored as fp32).
inline std::size_t dtype_bytes(dtype t) {
  switch (t) {
    case dtype::fp64:
      return 8;
    case dtype::fp32:
    case dtype::tf32:
      return 4;
    case dtype::fp16:
    case dtype::bf16:
      return 2;
    case dtype::fp8_e4m3:
      return 1;
  }
  return 0;
}

}  // namespace gpuparity
