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
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv | tee -a "$OUT/summary.txt"
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
log "configure (torch at ${torch_prefix:-none})"
cmake -S . -B build-gpu -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$torch_prefix" \
  >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
grep -E 'gpuparity' "$OUT/build.log" | tee -a "$OUT/summary.txt"
start=$(date +%s)
cmake --build build-gpu -j 16 >>"$OUT/build.log" 2>&1 || { grep -E 'error|FAILED' -A3 "$OUT/build.log" | head -60; exit 1; }
log "build: $(( $(date +%s) - start )) s"
(cd build-gpu && ctest -LE container --output-on-failure -j 1 >"$OUT/ctest.log" 2>&1); rc=$?
tail -8 "$OUT/ctest.log" | tee -a "$OUT/summary.txt"
[ $rc -eq 0 ] || grep -B2 -A30 'Failed\|FAILED' "$OUT/ctest.log" | head -80
B=build-gpu/bench/gpuparity-bench
T=build-gpu/bench/torch/gpuparity-torch
now() { date +%s.%N; }
since() { python3 -c "print(round($(now) - $1, 1))"; }
gbs() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%.1f" % (b.get("bytes_per_second",0)/1e9) for b in d["benchmarks"]))'; }
for what in "${@:-smoke}"; do
case $what in
smoke)
  t0=$(now)
  $B --benchmark_out="$OUT/bench.json" --benchmark_out_format=json >"$OUT/console.txt" 2>&1; rc=$?
  log "gpuparity-bench default run: rc=$rc wall $(since $t0) s"; tail -33 "$OUT/console.txt"
  if [ -x $T ]; then
    t0=$(now)
    $T --benchmark_out="$OUT/torch.json" --benchmark_out_format=json >>"$OUT/console.txt" 2>&1; rc=$?
    log "gpuparity-torch default run: rc=$rc wall $(since $t0) s"; tail -9 "$OUT/console.txt"
  fi
  ;;
sweep)
  for op in copy triad; do for h in streaming plain; do for u in 1 2 4 8; do
    for shape in "tiles 256" "tiles 512" "tiles 1024" "grid_stride 512"; do
      set -- $shape
      r=$($B --benchmark_filter="stream/$op" --stream-layout=$1 --stream-threads=$2 --stream-hints=$h \
          --stream-unroll=$u --benchmark_format=json 2>/dev/null | gbs)
      echo "$op layout=$1 threads=$2 hints=$h unroll=$u GB/s= $r" | tee -a "$OUT/sweep.txt"
    done; done; done; done
  for bytes in 256MiB 512MiB 2GiB; do
    echo "all ops default shape stream-bytes=$bytes GB/s= $($B --benchmark_filter=stream/ --stream-bytes=$bytes --benchmark_format=json 2>/dev/null | gbs)" | tee -a "$OUT/sweep.txt"
  done
  echo "best:"; sort -k7 -n -r "$OUT/sweep.txt" | head -12
  ;;
reps)
  t0=$(now)
  $B --benchmark_repetitions=5 --benchmark_out="$OUT/bench-reps.json" --benchmark_out_format=json >/dev/null 2>>"$OUT/console.txt"; rc=$?
  log "bench x5 repetitions: rc=$rc wall $(since $t0) s"
  [ -x $T ] && { $T --benchmark_repetitions=5 --benchmark_out="$OUT/torch-reps.json" --benchmark_out_format=json >/dev/null 2>>"$OUT/console.txt"; log "torch x5 rc=$?"; }
  python3 - "$OUT/bench-reps.json" "$OUT/torch-reps.json" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys, os
for f in sys.argv[1:]:
    if not os.path.exists(f): continue
    for b in json.load(open(f))["benchmarks"]:
        if b.get("aggregate_name") != "cv": continue
        for k in ("bytes_per_second", "flop_per_second", "latency_seconds", "seconds"):
            if k in b: print("%-60s %-18s cv=%.2f%%" % (b["run_name"], k, 100 * b[k]))
PY
  ;;
esac
done
