#!/bin/bash
# Run on the GPU machine (device tool) from the repository root: where do the pinned copies'
# slow trials come from? Each copy case allocates its own pinned buffers; Google Benchmark
# repetitions run the case again in the same process (a new allocation each time).
#   standalone: only the pinned copies, 8 repetitions, 4 processes
#   in-suite  : stream/ and copy/ cases (the suite's order), 6 repetitions, 4 processes
#   full      : the default suite once per process (what a trial runs), 6 processes
# GB/s per repetition to $OUT/pinned-study.txt, with the host's memory facts.
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
set -u
S="$OUT/pinned-study.txt"
cmake -S . -B build-study -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DGPUPARITY_WITH_TORCH=OFF >"$OUT/study-build.log" 2>&1 &&
  cmake --build build-study -j 16 --target gpuparity-bench >>"$OUT/study-build.log" 2>&1 || { tail -20 "$OUT/study-build.log"; exit 1; }
B=build-study/bench/gpuparity-bench
{
  echo "THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null) defrag: $(cat /sys/kernel/mm/transparent_hugepage/defrag 2>/dev/null)"
  echo "NUMA nodes: $(ls -d /sys/devices/system/node/node* 2>/dev/null | wc -l); cmdline: $(cat /proc/cmdline)"
  echo "iommu groups: $(ls /sys/kernel/iommu_groups 2>/dev/null | wc -l)"
  grep -E 'MemFree|HugePages_Total|AnonHugePages' /proc/meminfo
} >"$S"
per_rep() {  # label, then gpuparity-bench arguments: one line per process, GB/s per repetition
  local label=$1; shift
  $B --benchmark_format=json "$@" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin); rows = {}
for b in d["benchmarks"]:
    if b.get("run_type", "iteration") != "iteration": continue
    n = b["run_name"]
    if "pinned" in n: rows.setdefault(n.split("/")[1], []).append("%.1f" % (b["bytes_per_second"] / 1e9))
print(sys.argv[1], "  ".join("%s: %s" % (k, " ".join(v)) for k, v in rows.items()))' "$label" >>"$S"
}
for i in 1 2 3 4; do per_rep "standalone-$i" --benchmark_filter='^copy/(h2d|d2h)_pinned$' --benchmark_repetitions=8; done
for i in 1 2 3 4; do per_rep "in-suite-$i" --benchmark_filter='^(stream|copy)/' --benchmark_repetitions=6; done
for i in 1 2 3 4 5 6; do per_rep "full-$i"; done
cat "$S"
