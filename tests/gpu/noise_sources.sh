#!/bin/bash
# Run on the GPU machine (device tool) from the repository root. Where does the
# between-process spread of the noisy cases come from? Writes $OUT/noise.txt.
#   gemm   : 10 processes each with --gemm-algo fastest and heuristic, interleaved: the
#            tensor-core GEMM rate and the rank of the algorithm each process chose.
#   cpus   : the host-driven cases (launch, graph launch, 4-byte copy, pinned copies)
#            pinned to each CPU in turn, three rounds: is a slow process a slow CPU?
#   free   : the same cases in 10 unpinned processes, for the spread to compare.
#   warmup : the tensor GEMMs with --gemm-warmup-seconds 0, 0.3 and 0.6, each in 5 processes
#            that run the cases a default run has before them and 5 that run them alone (as
#            a focused trial does): does the rate depend on what ran before?
#   placement : tests/gpu/latency_placement.cu in 6 processes: launch and 4-byte copy
#            latency per stream and per CUDA context within one process.
#   reps   : 6 processes, each repeating the tensor GEMMs (heuristic algorithm) and the
#            host latencies 4 times: spread within a process against between processes.
set -uo pipefail
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
R="$OUT/noise.txt"
B=${GPUPARITY_BENCH:-build-gpu/bench/gpuparity-bench}
if [ ! -x "$B" ]; then
  t0=$(date +%s)
  cmake -S . -B build-gpu -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DGPUPARITY_WITH_TORCH=OFF \
    -DGPUPARITY_BUILD_TESTS=OFF >"$OUT/build.log" 2>&1 &&
    cmake --build build-gpu -j 16 --target gpuparity-bench >>"$OUT/build.log" 2>&1 ||
    { tail -30 "$OUT/build.log"; exit 1; }
  echo "# build: $(( $(date +%s) - t0 )) s" | tee -a "$R"
fi
nvidia-smi --query-gpu=name,driver_version,power.limit,temperature.gpu --format=csv,noheader | tee -a "$R"
# One line per process: label, then case=value (TFLOP/s, GB/s or microseconds) and the
# algorithm rank where there is one.
line() {
  python3 -c '
import json, sys
d = json.load(sys.stdin)
out = []
for b in d["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration": continue
    n = b["run_name"].replace("gemm/cublaslt/", "")
    if b.get("error_occurred"): out.append(n + "=ERR"); continue
    if "flop_per_second" in b: out.append("%s=%.1f@%d" % (n, b["flop_per_second"] / 1e12, b.get("algorithm_rank", -1)))
    elif "bytes_per_second" in b: out.append("%s=%.2f" % (n, b["bytes_per_second"] / 1e9))
    elif "latency_seconds" in b: out.append("%s=%.3f" % (n, b["latency_seconds"] * 1e6))
print(sys.argv[1], " ".join(out))' "$1"
}
for what in "${@:-gemm cpus free}"; do
case $what in
gemm)
  for i in $(seq 10); do
    for how in fastest heuristic; do
      $B --gemm-algo=$how --benchmark_filter='gemm/cublaslt/(tf32|fp16|bf16|fp8)' \
        --benchmark_format=json 2>/dev/null | line "gemm-$how" | tee -a "$R"
    done
  done
  ;;
cpus)
  ncpu=$(nproc)
  for round in 1 2 3; do
    for cpu in $(seq 0 $((ncpu - 1))); do
      $B --pin-cpu=$cpu --benchmark_filter='latency/(launch|graph|memcpy)|copy/(h2d|d2h)_pinned' \
        --benchmark_format=json 2>/dev/null | line "cpu$cpu-r$round" | tee -a "$R"
    done
  done
  ;;
free)
  for i in $(seq 10); do
    $B --benchmark_filter='latency/(launch|graph|memcpy)|copy/(h2d|d2h)_pinned' \
      --benchmark_format=json 2>/dev/null | line "free-$i" | tee -a "$R"
  done
  ;;
warmup)
  for w in 0 0.3 0.6; do
    for i in $(seq 5); do
      $B --gemm-warmup-seconds=$w --benchmark_filter='stream/|copy/|compute/|gemm/' \
        --benchmark_format=json 2>/dev/null | line "warm$w-after-others" | tee -a "$R"
      $B --gemm-warmup-seconds=$w --benchmark_filter='gemm/cublaslt/(tf32|fp16|bf16|fp8)' \
        --benchmark_format=json 2>/dev/null | line "warm$w-alone" | tee -a "$R"
    done
  done
  ;;
placement)
  nvcc -O2 -arch=sm_90 tests/gpu/latency_placement.cu -o build-gpu/latency_placement || exit 1
  for i in $(seq 6); do
    echo "## process $i" | tee -a "$R"
    build-gpu/latency_placement | tee -a "$R"
  done
  ;;
reps)
  for i in $(seq 6); do
    $B --gemm-algo=heuristic --benchmark_repetitions=4 \
      --benchmark_filter='gemm/cublaslt/(tf32|fp16|bf16|fp8)|latency/(launch|graph|memcpy)' \
      --benchmark_format=json 2>/dev/null | line "reps-$i" | tee -a "$R"
  done
  ;;
esac
done
