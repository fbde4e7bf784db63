#!/usr/bin/env bash
# The Debian packages (cmake/packaging.cmake), built and installed as a user would.
#   tests/ci/check_packages.sh build BUILD_DIR
#       cpack -G DEB in BUILD_DIR (a built tree); checks each package's Depends and files
#       with dpkg-deb: gpuparity links no CUDA and needs nothing beyond libc6, libstdc++6,
#       libgcc-s1; gpuparity-workloads names the CUDA runtime and cuBLAS.
#   tests/ci/check_packages.sh install BUILD_DIR BASE_IMAGE
#       installs them in fresh containers of BASE_IMAGE (a plain Debian 12 root, e.g.
#       standin/debian:bookworm from tests/container/make_standins.sh) with docker:
#       gpuparity with `dpkg -i` and no network, then `gpuparity --version` and `gpuparity
#       report` of a committed report; gpuparity-workloads with apt (its other libraries
#       come from Debian's mirror), then gpuparity-bench's no-GPU path (exit 5).
# Where the CUDA toolkit is no dpkg package's (a runfile or pip install at /usr/local/cuda),
# the workloads package depends on NVIDIA's repository names (cuda-cudart-M-m,
# libcublas-M-m); there is no such repository here, so "install" builds local packages of
# those names from the toolkit's own libraries, laid out as NVIDIA's are
# (/usr/local/cuda-M.m/targets/<arch>/lib, an ld.so.conf.d entry).
set -euo pipefail
mode=${1:?build or install}; build=$(cd "${2:?BUILD_DIR}" && pwd)
root=$(cd "$(dirname "$0")/../.." && pwd)
pkgs=$build/packages
die() { echo "check_packages: $*" >&2; exit 1; }
field() { dpkg-deb -f "$1" "$2"; }  # field DEB NAME

case $mode in
build)
  rm -rf "$pkgs"
  (cd "$build" && timeout 600 cpack -G DEB >"$build/cpack.log" 2>&1) ||
    { tail -30 "$build/cpack.log"; die "cpack failed (log: $build/cpack.log)"; }
  h=$(ls "$pkgs"/gpuparity_*.deb); w=$(ls "$pkgs"/gpuparity-workloads_*.deb)
  version=$(sed -n 's/^ *VERSION \([0-9.]*\)$/\1/p' "$root/CMakeLists.txt" | head -1)
  for deb in "$h" "$w"; do
    echo "== $(basename "$deb")"; dpkg-deb -f "$deb" Package Version Depends Recommends Suggests
    [[ $(field "$deb" Version) == "$version"-* ]] || die "$deb: Version is not $version-*"
  done
  # The harness: libc6, libstdc++6, libgcc-s1 and nothing else (no CUDA, no LibTorch).
  extra=$(field "$h" Depends | tr ',' '\n' | sed 's/^ *//; s/ .*//' | grep -Ev '^(libc6|libstdc\+\+6|libgcc-s1)$' || true)
  [ -z "$extra" ] || die "gpuparity depends on more than libc/libstdc++: $extra"
  dpkg-deb -c "$h" | awk '{print $6}' >"$build/harness.files"
  for f in ./usr/bin/gpuparity ./usr/share/man/man1/gpuparity.1 \
           ./usr/share/bash-completion/completions/gpuparity \
           ./usr/share/gpuparity/schema/gpuparity-report-v1.schema.json \
           ./usr/share/doc/gpuparity/README.md ./usr/share/doc/gpuparity/examples/github-actions.yml; do
    grep -qxF "$f" "$build/harness.files" || die "gpuparity lacks $f"
  done
  ! grep -q 'gpuparity-bench\|gpuparity-torch' "$build/harness.files" || die "gpuparity carries a workload program"
  # The workloads: the CUDA runtime and cuBLAS named, from shlibdeps or explicitly.
  field "$w" Depends | grep -Eq 'cudart|cuda-cudart' || die "gpuparity-workloads names no CUDA runtime"
  field "$w" Depends | grep -Eq 'cublas' || die "gpuparity-workloads names no cuBLAS"
  dpkg-deb -c "$w" | awk '{print $6}' >"$build/workloads.files"
  grep -qxF ./usr/bin/gpuparity-bench "$build/workloads.files" || die "gpuparity-workloads lacks gpuparity-bench"
  ! grep -qxF ./usr/bin/gpuparity "$build/workloads.files" || die "gpuparity-workloads carries the harness"
  echo "check_packages: built $(basename "$h") ($(du -h "$h" | cut -f1)) and $(basename "$w") ($(du -h "$w" | cut -f1))"
  ;;
install)
  image=${3:?BASE_IMAGE}
  h=$(ls "$pkgs"/gpuparity_*.deb); w=$(ls "$pkgs"/gpuparity-workloads_*.deb)
  report=results/NVIDIA_H100_80GB_HBM3/runs/parity-podman.report.json
  # The harness, offline: dpkg -i refuses a package whose Depends are not met.
  timeout 300 docker run --rm --network none -v "$pkgs:/pkg:ro" -v "$root/results:/src/results:ro" \
    -w /src "$image" bash -euc '
      dpkg -i /pkg/'"$(basename "$h")"' >/dev/null
      gpuparity --version
      gpuparity report '"$report"' | grep -q "verdict"
      ls /usr/share/gpuparity/schema /usr/share/gpuparity/baselines/*
      test -f /usr/share/man/man1/gpuparity.1
      bash -c "source /usr/share/bash-completion/completions/gpuparity && complete -p gpuparity"
      ! command -v gpuparity-bench'
  echo "check_packages: gpuparity installs on a clean Debian 12 with dpkg alone, and runs"

  # The workloads: the CUDA runtime packages they depend on.
  work=$(mktemp -d /tmp/gpuparity-cudadebs.XXXX)
  trap 'rm -rf "$work"' EXIT
  depends=$(field "$w" Depends)
  setup=""
  if grep -q 'cuda-cudart-[0-9]' <<<"$depends"; then
    cuda=${CUDA_HOME:-/usr/local/cuda}
    [ -e "$cuda/lib64/libcudart.so" ] || die "no CUDA toolkit at $cuda to package its runtime from"
    arch=$(uname -m)-linux
    for name in $(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | grep -E '^(cuda-cudart|libcublas)-[0-9]+-[0-9]+$'); do
      mm=$(sed -E 's/.*-([0-9]+)-([0-9]+)$/\1.\2/' <<<"$name")
      dir=$work/$name/usr/local/cuda-$mm/targets/$arch/lib
      mkdir -p "$dir" "$work/$name/DEBIAN" "$work/$name/etc/ld.so.conf.d"
      case $name in
        cuda-cudart-*) cp -al "$cuda"/lib64/libcudart.so.* "$dir/" 2>/dev/null || cp -a "$cuda"/lib64/libcudart.so.* "$dir/" ;;
        libcublas-*) cp -al "$cuda"/lib64/libcublas.so.* "$cuda"/lib64/libcublasLt.so.* "$dir/" 2>/dev/null ||
          cp -a "$cuda"/lib64/libcublas.so.* "$cuda"/lib64/libcublasLt.so.* "$dir/" ;;
      esac
      echo "/usr/local/cuda-$mm/targets/$arch/lib" >"$work/$name/etc/ld.so.conf.d/$name.conf"
      printf 'Package: %s\nVersion: %s\nArchitecture: %s\nMaintainer: gpuparity CI <ci@localhost>\nDescription: %s from the build machine'"'"'s CUDA toolkit, under NVIDIA'"'"'s package name\n' \
        "$name" "$mm" "$(dpkg --print-architecture)" "$name" >"$work/$name/DEBIAN/control"
      printf '#!/bin/sh\nldconfig\n' >"$work/$name/DEBIAN/postinst"; chmod 755 "$work/$name/DEBIAN/postinst"
      # Uncompressed: the package stays here, and xz on cuBLASLt (500 MB) takes minutes.
      dpkg-deb -Znone --root-owner-group -b "$work/$name" "$work/$name.deb" >/dev/null
    done
    ls "$work"/*.deb >/dev/null 2>&1 || die "no CUDA package names in Depends: $depends"
  else
    # Debian's own CUDA packages (nvidia-cuda-toolkit) are in non-free.
    setup='sed -i "s/ main$/ main contrib non-free/" /etc/apt/sources.list;'
  fi
  cp "$w" "$work/"
  timeout 900 docker run --rm --network host -v "$work:/pkg:ro" "$image" bash -euc '
      export DEBIAN_FRONTEND=noninteractive
      '"$setup"'
      apt-get update -qq
      apt-get install -y -qq --no-install-recommends /pkg/*.deb >/tmp/apt.log 2>&1 || { tail -30 /tmp/apt.log; exit 1; }
      dpkg -l | grep -E "gpuparity|cudart|cublas" | cut -c1-100
      gpuparity-bench --benchmark_list_tests | head -3
      set +e
      gpuparity-bench --benchmark_filter=stream/copy --benchmark_out=/tmp/nogpu.json 2>/tmp/err >/dev/null
      rc=$?
      set -e
      head -1 /tmp/err
      [ "$rc" -eq 5 ] || { echo "gpuparity-bench: exit $rc without a GPU, not 5"; exit 1; }
      grep -q "no usable CUDA GPU" /tmp/err
      if command -v gpuparity-torch >/dev/null; then gpuparity-torch --benchmark_list_tests | head -2; fi'
  echo "check_packages: gpuparity-workloads installs with its Depends on a clean Debian 12; without a GPU it exits 5"
  ;;
*) die "mode: build or install, not $mode" ;;
esac
