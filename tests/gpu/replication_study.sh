#!/bin/bash
# Run on the GPU machine (device tool) from the repository root. The two measurements that
# choose how the noisy families are sampled (results/<GPU>/replication-study.txt):
#   gemm  : tensor-core GEMMs in fresh processes, interleaved, under three schedules:
#           back to back (10 timed batches of 20 ms, today's default) and bursts of
#           about 10 ms after an idle gap of 0.1 s or 0.2 s (5 bursts a case); the
#           between-process spread and median rate of each case under each schedule
#   procs : host latency and startup in many short processes (gpuparity-bench
#           --processes K): each process's value, their spread, and the slow ones
# Builds gpuparity-bench alone (no tests, no LibTorch). Raw JSON and the table go to $OUT.
set -uo pipefail
OUT=${OUT:-/tmp/out}
REPS=${REPS:-4}
mkdir -p "$OUT/raw"
nvidia-smi --query-gpu=name,driver_version,clocks.max.sm,power.limit,temperature.gpu \
  --format=csv | tee "$OUT/study.txt"
cmake -S . -B build-study -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DGPUPARITY_WITH_TORCH=OFF \
  -DGPUPARITY_BUILD_TESTS=OFF >"$OUT/build.log" 2>&1 &&
  cmake --build build-study -j 16 --target gpuparity-bench >>"$OUT/build.log" 2>&1 ||
  { tail -30 "$OUT/build.log"; exit 1; }
B=build-study/bench/gpuparity-bench
declare -A SCHED=(
  [back2back]="--gemm-batch-seconds 0.02 --gemm-bursts 10 --gemm-idle-seconds 0"
  [idle100ms]="--gemm-batch-seconds 0.01 --gemm-bursts 5 --gemm-idle-seconds 0.1"
  [idle200ms]="--gemm-batch-seconds 0.01 --gemm-bursts 5 --gemm-idle-seconds 0.2"
)
for what in "${@:-gemm procs}"; do
case $what in
gemm)
  for rep in $(seq "$REPS"); do
    for s in back2back idle100ms idle200ms; do
      t0=$(date +%s.%N)
      # shellcheck disable=SC2086
      $B --benchmark_filter='^gemm/cublaslt/(bf16|fp16|fp8_e4m3|tf32)/' ${SCHED[$s]} \
        --benchmark_format=json >"$OUT/raw/gemm-$s-$rep.json" 2>>"$OUT/stderr.log"
      echo "gemm $s rep $rep rc=$? $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s" | tee -a "$OUT/study.txt"
    done
  done
  ;;
procs)
  for rep in 1 2; do
    t0=$(date +%s.%N)
    $B --processes 16 --benchmark_filter='^latency/(launch|graph_launch|memcpy_h2d_small)' \
      --benchmark_format=json >"$OUT/raw/latency-$rep.json" 2>>"$OUT/stderr.log"
    echo "latency x16 processes rep $rep rc=$? $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s" | tee -a "$OUT/study.txt"
    t0=$(date +%s.%N)
    $B --processes 16 --startup-trials 1 --benchmark_filter='^startup/' \
      --benchmark_format=json >"$OUT/raw/startup-$rep.json" 2>>"$OUT/stderr.log"
    echo "startup x16 processes rep $rep rc=$? $(python3 -c "print(round($(date +%s.%N)-$t0,1))") s" | tee -a "$OUT/study.txt"
  done
  ;;
esac
done
python3 tests/gpu/replication_study.py "$OUT/raw" | tee -a "$OUT/study.txt"
tar -C "$OUT" -czf "$OUT/raw.tgz" raw && rm -rf "$OUT/raw"
