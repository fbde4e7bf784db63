set -u
OUT=${OUT:-/tmp/out}
echo "== mounts"; df -h / /usr /opt 2>/dev/null; mount | grep -E ' / | /usr| /opt' | head
echo "== sizes"; du -sh --one-file-system /usr /opt /etc /var /home /root 2>/dev/null; du -sh --one-file-system / 2>/dev/null
echo "PATH=$PATH"; echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"; echo "CC=${CC:-} CXX=${CXX:-}"; pwd
which cmake ninja g++ nvcc python3
cmake -S . -B build-gpu -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DGPUPARITY_WITH_TORCH=OFF -DGPUPARITY_BUILD_TESTS=OFF >/dev/null && cmake --build build-gpu -j16 >/dev/null || exit 1
B=build-gpu/bench/gpuparity-bench
nvidia-smi --query-gpu=timestamp,clocks.sm,power.draw,temperature.gpu,clocks_throttle_reasons.active --format=csv,noheader -lms 200 > $OUT/clocks.csv &
smi=$!
for i in 1 2 3; do
  $B --benchmark_filter='gemm/cublaslt/bf16/8192' --benchmark_repetitions=3 --benchmark_format=json 2>/dev/null | python3 -c 'import json,sys; print("bf16/8192 process", [round(b["flop_per_second"]/1e12,1) for b in json.load(sys.stdin)["benchmarks"] if b["run_type"]=="iteration"])'
done
for p in "" "--pin-cpu=3"; do
  for i in 1 2 3; do
  $B --benchmark_filter='latency/launch' --benchmark_repetitions=3 $p --benchmark_format=json 2>/dev/null | python3 -c 'import json,sys; print("launch '$p'", [round(b["latency_seconds"]*1e6,2) for b in json.load(sys.stdin)["benchmarks"] if b["run_type"]=="iteration"])'
  done
done
kill $smi
python3 - $OUT/clocks.csv <<'PY'
import sys
rows=[l.split(', ') for l in open(sys.argv[1]) if l.strip()]
busy=[r for r in rows if float(r[2].split()[0])>300]
print("samples", len(rows), "busy", len(busy))
for r in busy[::5]: print(r)
PY
