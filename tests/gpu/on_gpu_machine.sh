#!/bin/bash
# Run on the GPU machine (device tool) from the repository root: builds with LibTorch,
# runs every ctest label but `container`, then the measurements named as arguments:
#   smoke   : a default run of both programs
#   sweep   : STREAM launch-shape sweep
#   full    : the committed measurement (default run + repetitions for spread)
# Logs and JSON go to $OUT (the device tool brings them back).
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
log() { echo "== $*" | tee -a "$OUT/summary.txt"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv | tee "$OUT/nvidia-smi.txt"
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
log "configure (torch at ${torch_prefix:-none})"
cmake -S . -B build-gpu -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$torch_prefix" \
  >"$OUT/configure.log" 2>&1 || { tail -30 "$OUT/configure.log"; exit 1; }
grep -E 'gpuparity|Torch|benchmark' "$OUT/configure.log" | tee -a "$OUT/summary.txt"
start=$(date +%s)
cmake --build build-gpu -j 16 >"$OUT/build.log" 2>&1 || { grep -E 'error|FAILED' -A3 "$OUT/build.log" | head -60; exit 1; }
log "build: $(( $(date +%s) - start )) s"
(cd build-gpu && ctest -LE container --output-on-failure -j 1 >"$OUT/ctest.log" 2>&1); rc=$?
tail -8 "$OUT/ctest.log" | tee -a "$OUT/summary.txt"
[ $rc -eq 0 ] || grep -B2 -A30 'Failed\|FAILED' "$OUT/ctest.log" | head -80
B=build-gpu/bench/gpuparity-bench
T=build-gpu/bench/torch/gpuparity-torch
for what in "${@:-smoke}"; do
case $what in
smoke)
  start=$(date +%s.%N)
  $B --benchmark_out="$OUT/bench.json" --benchmark_out_format=json 2>&1 | tee "$OUT/bench.txt" | tail -45
  log "gpuparity-bench default run: rc=$? wall $(echo "$(date +%s.%N) - $start" | bc) s"
  [ -x $T ] && { $T --benchmark_out="$OUT/torch.json" 2>&1 | tail -12; log "torch rc=$?"; }
  ;;
sweep)
  for op in copy triad; do for u in 1 2 4 8; do for b in 2 4 8 16; do for t in 256 512 1024; do
    [ $((b * t)) -gt 4096 ] && continue
    r=$($B --benchmark_filter="stream/$op" --stream-unroll=$u --stream-blocks-per-sm=$b --stream-threads=$t \
        --benchmark_format=json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print("%.1f" % (d["benchmarks"][0].get("bytes_per_second",0)/1e9))')
    echo "$op unroll=$u blocks_per_sm=$b threads=$t GB/s=$r" | tee -a "$OUT/sweep.txt"
  done; done; done; done
  sort -t= -k5 -n -r "$OUT/sweep.txt" | head -10
  ;;
esac
done
