#!/bin/bash
# No image registry is reachable from the CPU machine, so the CUDA and PyTorch base
# images are replaced by local stand-ins built on the spot. The Dockerfiles in images/
# do not change for this; only the --build-arg values differ.
#   standin/cuda-devel:13.0    Debian bookworm (debootstrap) + the host's CUDA toolkit:
#                              nvcc, headers, cudart, cuBLAS/cuBLASLt   (nvidia/cuda:*-devel)
#   standin/cuda-runtime:13.0  Debian bookworm + cudart, cuBLAS/cuBLASLt (nvidia/cuda:*-runtime)
#   standin/torch-devel:13.0   cuda-devel + Debian's CPU-only LibTorch  (pytorch/pytorch:*-devel)
#   standin/debian:bookworm    the plain Debian bookworm root               (debian:bookworm)
# Needs root, debootstrap, a running engine (ENGINE=docker|podman) and Debian's mirror.
set -euo pipefail
engine=${ENGINE:-docker}
cuda=${CUDA_HOME:-/usr/local/cuda}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
work=$(mktemp -d /tmp/gpuparity-standins.XXXX)
trap 'rm -rf "$work"' EXIT
[ -x "$cuda/bin/nvcc" ] || { echo "make_standins: no CUDA toolkit at $cuda" >&2; exit 1; }

base=$work/base
debootstrap --variant=minbase bookworm "$base" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$base"/var/cache/apt/archives/*.deb
# The plain root, as debian:bookworm is: where tests/ci/check_packages.sh installs the .debs.
tar -C "$base" -c . | "$engine" import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - standin/debian:bookworm >/dev/null
echo "make_standins: standin/debian:bookworm ($(du -sh "$base" | cut -f1))"

# The toolkit is GBs: where it and the work folder share a filesystem, the root filesystems
# hard-link to it instead of copying (nothing in them is written to after).
link=""
[ "$(stat -L -c %d "$cuda/bin")" = "$(stat -c %d "$work")" ] && link=l
copy() { cp -a$link "$@"; }
import() {  # import ROOTFS TAG: the environment nvidia/cuda images set
  tar -C "$1" -c . | "$engine" import \
    --change 'ENV PATH=/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/cuda/lib64' - "$2" >/dev/null
  echo "make_standins: $2 ($(du -sh "$1" | cut -f1))"
}
runtime_libs() {  # copy cudart and cuBLAS into ROOTFS/usr/local/cuda/lib64
  mkdir -p "$1/usr/local/cuda/lib64"
  copy "$cuda"/lib64/libcudart.so* "$cuda"/lib64/libcublas.so* "$cuda"/lib64/libcublasLt.so* \
    "$1/usr/local/cuda/lib64/"
}

rt=$work/runtime
copy "$base" "$rt"
runtime_libs "$rt"
import "$rt" standin/cuda-runtime:13.0
rm -rf "$rt"

dev=$work/devel
copy "$base" "$dev"
mkdir -p "$dev/usr/local/cuda"
for d in bin nvvm include targets; do [ -e "$cuda/$d" ] && copy "$cuda/$d" "$dev/usr/local/cuda/"; done
runtime_libs "$dev"
copy "$cuda"/lib64/libcudart_static.a "$cuda"/lib64/libcudadevrt.a "$cuda"/lib64/stubs \
  "$dev/usr/local/cuda/lib64/" 2>/dev/null || true
[ -e "$dev/usr/local/cuda/lib" ] || ln -s lib64 "$dev/usr/local/cuda/lib"
import "$dev" standin/cuda-devel:13.0
rm -rf "$dev"

"$engine" build --network host -t standin/torch-devel:13.0 -f - "$work" >"$work/torch.log" 2>&1 <<'DOCKERFILE' ||
FROM standin/cuda-devel:13.0
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libtorch-dev python3 && rm -rf /var/lib/apt/lists/*
DOCKERFILE
  { tail -20 "$work/torch.log" >&2; exit 1; }
echo "make_standins: standin/torch-devel:13.0"
