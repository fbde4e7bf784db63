#!/usr/bin/env python3
"""A stand-in for gpuparity-bench in the cpu tests. It replays the JSON recorded on the H100
(GPUPARITY_RECORDED_OUTPUT) and behaves as the real program does where the harness relies
on it: --benchmark_filter is a regex searched in each run's name, --processes K gives K
copies of each run with its process_index. Environment:
  GPUPARITY_FAULT=NAME        plant one fault (FAULTS below) in the output
  GPUPARITY_PROCESS_JITTER=X  scale each process's latency/startup values by 1 +- X
  GPUPARITY_ARGV_LOG=FILE     append this process's argv, one JSON line
  GPUPARITY_FAKE_MNT_NS=NS    the mount namespace it reports (a fake engine's "container");
                              by default this process's own, as gpuparity-bench reports it"""
import json, os, re, sys

FAULTS = ("none", "on-the-host", "omit-case", "not-supported", "counter-missing", "counter-string",
          "other-gpu-model", "other-gpu-uuid", "no-gpu-facts")

args = sys.argv[1:]
log = os.environ.get("GPUPARITY_ARGV_LOG")
if log:
    with open(log, "a") as f:
        f.write(json.dumps(args) + "\n")
doc = json.load(open(os.environ["GPUPARITY_RECORDED_OUTPUT"]))
filt = next((a.split("=", 1)[1] for a in args if a.startswith("--benchmark_filter=")), "")
processes = 1
for i, a in enumerate(args):
    if a == "--processes":
        processes = int(args[i + 1])
runs = [b for b in doc["benchmarks"] if re.search(filt, b["name"])]
jitter = float(os.environ.get("GPUPARITY_PROCESS_JITTER", "0"))
out = []
for p in range(processes):
    for b in runs:
        b = dict(b)
        if jitter and b["run_name"].startswith(("latency/launch/", "startup/")):
            for k in ("latency_seconds", "seconds"):
                if k in b:
                    b[k] *= 1 + jitter * ((p * 7919 + os.getpid()) % 13 - 6) / 6
        if processes > 1:
            b["process_index"] = p
        out.append(b)
doc["benchmarks"] = out
doc["context"]["env_mnt_namespace"] = (os.environ.get("GPUPARITY_FAKE_MNT_NS")
                                       or os.readlink("/proc/self/ns/mnt"))

fault = os.environ.get("GPUPARITY_FAULT", "none")
copy = [b for b in doc["benchmarks"] if b["run_name"].startswith("stream/copy/")]
if fault == "omit-case":
    doc["benchmarks"] = [b for b in doc["benchmarks"] if b not in copy]
elif fault == "not-supported":
    for b in copy:
        b["error_occurred"] = True
        b["error_message"] = "not_supported: this GPU cannot"
elif fault == "counter-missing":
    for b in copy:
        del b["bytes_per_second"]
elif fault == "counter-string":
    for b in copy:
        b["bytes_per_second"] = "fast"
elif fault == "other-gpu-model":
    doc["context"]["gpu_name"] = "NVIDIA A100-SXM4-80GB"
elif fault == "other-gpu-uuid":
    doc["context"]["gpu_uuid"] = "GPU-00000000-0000-0000-0000-000000000001"
elif fault == "no-gpu-facts":
    doc["context"] = {k: v for k, v in doc["context"].items() if not k.startswith("gpu_")}
elif fault not in FAULTS:
    sys.exit("fake_bench: unknown fault " + fault)
json.dump(doc, sys.stdout)
