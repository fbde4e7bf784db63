#!/bin/sh
# Docker without the NVIDIA Container Toolkit: print, one per line, the gpuparity flags that
# give a container the GPU the way the toolkit does underneath: the NVIDIA device nodes and
# the driver's user-space libraries bind-mounted read-only where CUDA images look for them
# (/usr/local/nvidia/lib64, on the library path of nvidia/cuda images and of gpuparity's).
#
#   mapfile -t hand < <(examples/docker-gpu-by-hand.sh)
#   gpuparity run --runtime docker --image IMAGE "${hand[@]}"
#
# Options: --gpu N (only /dev/nvidiaN: one GPU; default every GPU), --driver-dir DIR (where
# libcuda.so.1 is; default: ldconfig's, else LD_LIBRARY_PATH's, else /usr/local/nvidia/lib64).
# Exits 2 on a bad option, 1 when no device node or no libcuda is found (and says which).
# See docs/docker-without-toolkit.md for what this leaves out (MIG, graphics, nvidia-smi).
set -eu
gpu=all dir=
while [ $# -gt 0 ]; do
  case $1 in
    --gpu) gpu=${2:?--gpu needs a device number}; shift 2 ;;
    --driver-dir) dir=${2:?--driver-dir needs a folder}; shift 2 ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "docker-gpu-by-hand.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
case $gpu in all|[0-9]|[0-9][0-9]) ;; *) echo "docker-gpu-by-hand.sh: --gpu takes a device number, not '$gpu'" >&2; exit 2 ;; esac

if [ -z "$dir" ]; then
  lib=$(ldconfig -p 2>/dev/null | sed -n 's/^[[:space:]]*libcuda\.so\.1 (libc6,x86-64) => //p' | head -1)
  [ -n "$lib" ] && dir=$(dirname "$lib")
fi
if [ -z "$dir" ]; then
  old_ifs=$IFS; IFS=:
  for d in ${LD_LIBRARY_PATH:-} /usr/local/nvidia/lib64; do
    [ -n "$d" ] && [ -e "$d/libcuda.so.1" ] && { dir=$d; break; }
  done
  IFS=$old_ifs
fi
[ -n "$dir" ] && [ -e "$dir/libcuda.so.1" ] || {
  echo "docker-gpu-by-hand.sh: no libcuda.so.1 found (ldconfig, LD_LIBRARY_PATH, /usr/local/nvidia/lib64): is the NVIDIA driver installed? Name its folder with --driver-dir" >&2
  exit 1
}

if [ "$gpu" = all ]; then nodes=$(ls /dev/nvidia[0-9]* 2>/dev/null || true); else nodes=/dev/nvidia$gpu; fi
[ -n "$nodes" ] && [ -e "$(echo "$nodes" | head -1)" ] || {
  echo "docker-gpu-by-hand.sh: no GPU device node (${nodes:-/dev/nvidia0...}): is the driver loaded (nvidia-smi)?" >&2
  exit 1
}

echo --no-gpu-flags
for n in $nodes /dev/nvidiactl /dev/nvidia-uvm /dev/nvidia-uvm-tools; do
  [ -e "$n" ] && echo "--container-arg=--device=$n"
done
# The compute and utility libraries the toolkit mounts for CUDA programs: every name of
# each (libcuda.so.1 and libcuda.so.<driver version>), each bound to the real file.
for base in libcuda libcudadebugger libnvidia-ml libnvidia-ptxjitcompiler libnvidia-nvvm \
            libnvidia-gpucomp libnvidia-allocator libnvidia-cfg; do
  for f in "$dir/$base".so.*; do
    [ -e "$f" ] || continue
    echo "--container-arg=--volume=$(readlink -f "$f"):/usr/local/nvidia/lib64/$(basename "$f"):ro"
  done
done
