#!/bin/bash
# Run on the GPU machine (device tool) from the repository root: builds gpuparity-bench and
# its GPU test, runs the copy/ cases three times (GB/s; host<->device at --copy-bytes 64MiB,
# d2d at --d2d-bytes 256MiB), times a full default run, and runs bench_gpu_test.
# Output: results/NVIDIA_H100_80GB_HBM3/copy-check.txt.
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
set -u
cmake -S . -B build-gpu -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DGPUPARITY_WITH_TORCH=OFF >$OUT/build.log 2>&1 && cmake --build build-gpu -j 16 --target gpuparity-bench bench_gpu_test >>$OUT/build.log 2>&1 || { tail -20 $OUT/build.log; exit 1; }
B=build-gpu/bench/gpuparity-bench
for i in 1 2 3; do $B --benchmark_filter=copy/ --benchmark_format=json 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%s=%.1f" % (b["run_name"].split("/")[1], b["bytes_per_second"]/1e9) for b in d["benchmarks"]))'; done
t0=$(date +%s.%N); $B --benchmark_format=json > $OUT/full.json 2>$OUT/full.err; echo "full default run rc=$? wall $(python3 -c "print(round($(date +%s.%N)-$t0,2))") s"
build-gpu/tests/bench_gpu_test 2>&1 | tail -3
