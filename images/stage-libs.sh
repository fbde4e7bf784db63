#!/bin/sh
# stage-libs.sh PREFIX [--with-cxx-runtime]
# Copies into PREFIX/lib the shared libraries that PREFIX/bin/* need and that a CUDA
# runtime image does not provide: not glibc, not the NVIDIA driver (the container
# runtime mounts it), not cudart/cuBLAS (the CUDA base has them). With
# --with-cxx-runtime also libstdc++ and libgcc_s, for programs built on another system.
# The programs find them through their install RPATH ($ORIGIN/../lib).
set -eu
prefix=$1
skip='linux-vdso|ld-linux|/libc\.so|/libm\.so|/libdl\.so|/libpthread\.so|/librt\.so|libcuda\.so|libnvidia-|libcudart\.so|libcublas\.so|libcublasLt\.so'
[ "${2:-}" = --with-cxx-runtime ] || skip="$skip|libstdc\\+\\+\\.so|libgcc_s\\.so"
mkdir -p "$prefix/lib"
for exe in "$prefix"/bin/*; do
  ldd "$exe" | awk '$2 == "=>" && $3 ~ /^\// {print $3}' | grep -Ev "$skip" || true
done | sort -u | while read -r lib; do
  cp -L "$lib" "$prefix/lib/"
  echo "stage-libs: $lib"
done
