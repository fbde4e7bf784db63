#!/usr/bin/env python3
"""Summarises tests/gpu/gemm_window.sh's log: per window and GEMM, the median and the
relative spread (MAD/median and (max-min)/median) over the processes."""
import collections, statistics, sys
rows = collections.defaultdict(lambda: collections.defaultdict(list))
walls = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if not parts or not parts[0].startswith("batch="):
        continue
    cfg = parts[0] + " " + parts[1]
    walls[cfg].append(float(parts[2].split("=")[1]))
    for p in parts[3:]:
        k, v = p.split("=")
        rows[cfg][k].append(float(v))
for cfg, cases in rows.items():
    print(f"{cfg} wall median {statistics.median(walls[cfg]):.1f} s")
    for k, v in sorted(cases.items()):
        m = statistics.median(v)
        mad = statistics.median([abs(x - m) for x in v]) / m
        print(f"  {k:12s} median {m:7.1f} TFLOP/s  rMAD {100*mad:4.2f}%  range {100*(max(v)-min(v))/m:4.1f}%  n={len(v)}")
