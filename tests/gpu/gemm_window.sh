#!/bin/bash
# Between-process spread of the tensor-core GEMM rates for several timing windows
# ("BATCH_SECONDS WARMUP_SECONDS" pairs; default: the original 10 batches of 0.02 s,
# longer batches of 0.1 s, and 0.5 s of untimed warm-up). Eight processes per window,
# interleaved. Usage: bash tests/gpu/gemm_window.sh BUILD_DIR ["0.02 0" "0.02 0.25" ...]
B=${1:-build-gpu}/bench/gpuparity-bench
shift
configs=("$@")
[ ${#configs[@]} -gt 0 ] || configs=("0.02 0" "0.1 0" "0.02 0.5")
F='gemm/cublaslt/(bf16|fp8|fp16|tf32)/'
for i in 1 2 3 4 5 6 7 8; do
  for cfg in "${configs[@]}"; do
    set -- $cfg
    t0=$(date +%s.%N)
    r=$($B --benchmark_filter="$F" --gemm-batch-seconds=$1 --gemm-warmup-seconds=$2 \
          --benchmark_format=json 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s=%.1f" % ("/".join(b["run_name"].split("/")[2:4]), b.get("flop_per_second",0)/1e12) for b in d["benchmarks"]))')
    echo "batch=$1 warm=$2 wall=$(python3 -c "print(round($(date +%s.%N)-$t0,1))") $r"
  done
done
