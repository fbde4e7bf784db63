#!/usr/bin/env python3
"""Tables for replication_study.sh: per case and schedule, the median rate over processes
and the between-process spread (relative standard deviation and relative MAD); per
process-fanned case, each process's value, the spread and the slowest processes."""
import glob, json, os, re, statistics, sys
from collections import defaultdict

raw = sys.argv[1]

def rel_mad(v):
    m = statistics.median(v)
    return statistics.median(abs(x - m) for x in v) / m if m else float("nan")

def rel_sd(v):
    return statistics.pstdev(v) / statistics.mean(v) if len(v) > 1 else float("nan")

def case(b):
    return re.sub(r"/(iterations|manual_time|real_time).*$", "", b.get("run_name", b["name"]))

gemm = defaultdict(lambda: defaultdict(list))  # case -> schedule -> per-process rates
for f in sorted(glob.glob(os.path.join(raw, "gemm-*.json"))):
    sched = os.path.basename(f).split("-")[1]
    try:
        doc = json.load(open(f))
    except ValueError:
        print("unreadable", f); continue
    for b in doc["benchmarks"]:
        if "flop_per_second" in b:
            gemm[case(b)][sched].append(b["flop_per_second"] / 1e12)
if gemm:
    print("\nGEMM: median TFLOP/s over processes, between-process rel. SD / rel. MAD (%)")
    scheds = ["back2back", "idle100ms", "idle200ms"]
    print("%-28s" % "case" + "".join("%30s" % s for s in scheds))
    for c in sorted(gemm):
        row = "%-28s" % c
        for s in scheds:
            v = gemm[c].get(s, [])
            row += "%30s" % ("n/a" if not v else "%.1f  %.2f / %.2f (n=%d)" % (
                statistics.median(v), 100 * rel_sd(v), 100 * rel_mad(v), len(v)))
        print(row)

for kind, counter, scale, unit in (("latency", "latency_seconds", 1e6, "us"),
                                   ("startup", "seconds", 1e3, "ms")):
    per = defaultdict(list)
    for f in sorted(glob.glob(os.path.join(raw, kind + "-*.json"))):
        try:
            doc = json.load(open(f))
        except ValueError:
            print("unreadable", f); continue
        for b in doc["benchmarks"]:
            if counter in b:
                per[case(b)].append(b[counter] * scale)
    for c in sorted(per):
        v = per[c]
        s = sorted(v)
        print("\n%s (%s), %d processes: median %.3f, rel. SD %.2f%%, rel. MAD %.2f%%, "
              "min %.3f, max %.3f" % (c, unit, len(v), statistics.median(v), 100 * rel_sd(v),
                                        100 * rel_mad(v), s[0], s[-1]))
        print("  sorted: " + " ".join("%.3f" % x for x in s))
