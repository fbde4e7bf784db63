#!/usr/bin/env python3
"""A stand-in for gpuparity-bench in the cpu tests. It replays the JSON recorded on the H100
(GPUPARITY_RECORDED_OUTPUT) and behaves as the real program does where the harness relies
on it: --benchmark_filter is a regex searched in each run's name, --processes K gives K
copies of each run with its process_index. Its three host-observed round trips
(latency/launch, graph_launch, memcpy_h2d_small) carry submit_seconds and
submit_median_seconds beside latency_seconds, as gpuparity-bench writes them
(bench/latency_cases.cpp, report_round_trip); a recording made before gpuparity-bench had them
gets them as SUBMIT_FRACTION of its recorded round trip, a stand-in value, not a measurement.
Environment:
  GPUPARITY_FAULT=NAME        plant one fault (FAULTS below) in the output
  GPUPARITY_PROCESS_JITTER=X  scale each process's latency/launch and startup values (its
                              submit_seconds too) by 1 +- X (a fixed sequence by invocation
                              when GPUPARITY_ARGV_LOG is set)
  GPUPARITY_ARGV_LOG=FILE     append this process's argv, one JSON line
  GPUPARITY_FAKE_RATE_SCALE=X  multiply every rate (each *_per_second counter) by X: a node
                              slower than its peers on both sides (0.8: 20% slower)
  GPUPARITY_FAKE_MNT_NS=NS    the mount namespace it reports (a fake engine's "container");
                              by default this process's own, as gpuparity-bench reports it
  GPUPARITY_FAKE_GPUS=U0,U1   the machine's GPUs by UUID, in nvidia-smi's (PCI bus) order: it
                              runs on device 0 of those CUDA_VISIBLE_DEVICES leaves visible
                              (indices, or UUIDs), numbered as CUDA does: by PCI bus with
                              CUDA_DEVICE_ORDER=PCI_BUS_ID, else fastest first, which on this
                              fake machine is the reverse; it reports that GPU's UUID and the
                              two variables as gpuparity-bench does (env_var_*), and the
                              UUIDs of every visible GPU (gpu_uuids)
  GPUPARITY_FAKE_PEER=LINK    with two or more visible GPUs, also the node-wide cases:
                              peer/bandwidth/<a>to<b> between the first two, labelled
                              link=LINK (nvlink, pcie_p2p, host) as gpuparity-bench labels
                              them, and nccl/all_reduce/1048576, their values stand-ins
                              scaled from stream/copy (LINK=host: a tenth of it)
  GPUPARITY_FAKE_BROKEN=UUID  on that GPU (as its device 0) it fails as a broken GPU does
  GPUPARITY_FAKE_HANG=UUID    on that GPU it appends its pid to GPUPARITY_FAKE_HANG_PIDS
                              and hangs
--benchmark_list_tests prints the names of the runs the filter selects, one a line."""
import json, os, re, sys

FAULTS = ("none", "on-the-host", "omit-case", "not-supported", "counter-missing", "counter-string",
          "submit-string", "other-gpu-model", "other-gpu-uuid", "no-gpu-facts")
ROUND_TRIPS = ("latency/launch/", "latency/graph_launch/", "latency/memcpy_h2d_small/")
SUBMIT_FRACTION = 0.3  # a stand-in: no recording in tests/data holds submit_seconds yet

args = sys.argv[1:]
log = os.environ.get("GPUPARITY_ARGV_LOG")
invocation = os.getpid()
if log:
    with open(log, "a") as f:
        f.write(json.dumps(args) + "\n")
    with open(log) as f:  # this invocation's number: jitter that a rerun repeats
        invocation = sum(1 for _ in f)
doc = json.load(open(os.environ["GPUPARITY_RECORDED_OUTPUT"]))
filt = next((a.split("=", 1)[1] for a in args if a.startswith("--benchmark_filter=")), "")
processes = 1
for i, a in enumerate(args):
    if a == "--processes":
        processes = int(args[i + 1])
visible = []
gpus = os.environ.get("GPUPARITY_FAKE_GPUS")
if gpus:
    order = gpus.split(",")
    if os.environ.get("CUDA_DEVICE_ORDER") != "PCI_BUS_ID":
        order.reverse()
    visible = order
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        visible = []
        for d in os.environ["CUDA_VISIBLE_DEVICES"].split(","):
            if d.isdigit() and int(d) < len(order):
                visible.append(order[int(d)])
            elif d in order:
                visible.append(d)
            else:
                break  # CUDA stops at the first entry it cannot resolve
    if not visible:
        sys.exit("fake_bench: no usable CUDA GPU")
link = os.environ.get("GPUPARITY_FAKE_PEER")
if link and len(visible) >= 2:
    base = next(b for b in doc["benchmarks"] if b["run_name"].startswith("stream/copy/"))
    for name, scale, label in (("peer/bandwidth/0to1", 0.1 if link == "host" else 0.15, "link=" + link),
                               ("nccl/all_reduce/1048576", 0.05, None)):
        b = dict(base, name=name + "/iterations:10/manual_time", run_name=name + "/iterations:10/manual_time")
        b["bytes_per_second"] = base["bytes_per_second"] * scale
        if label:
            b["label"] = label
        doc["benchmarks"].append(b)
elif link:  # as gpuparity-bench: with fewer than 2 GPUs one peer case, not_supported
    base = next(b for b in doc["benchmarks"] if b["run_name"].startswith("stream/copy/"))
    doc["benchmarks"].append(dict(base, name="peer/bandwidth", run_name="peer/bandwidth",
                                  error_occurred=True,
                                  error_message="not_supported: peer copies need 2 visible GPUs"))
# A leading '-' negates the filter, as in Google Benchmark.
negated = filt.startswith("-")
runs = [b for b in doc["benchmarks"]
        if bool(re.search(filt[1:] if negated else filt, b["name"])) != negated]
listing = "--benchmark_list_tests" in args or "--benchmark_list_tests=true" in args
if visible and not listing and visible[0] == os.environ.get("GPUPARITY_FAKE_BROKEN"):
    sys.exit("fake_bench: CUDA error: uncorrectable ECC error encountered on " + visible[0])
if visible and not listing and visible[0] == os.environ.get("GPUPARITY_FAKE_HANG"):
    import time
    with open(os.environ["GPUPARITY_FAKE_HANG_PIDS"], "a") as f:
        f.write(f"{os.getpid()}\n")
    time.sleep(600)
if listing:
    print("\n".join(b["name"] for b in runs))
    sys.exit(0)
for b in runs:
    if b["run_name"].startswith(ROUND_TRIPS) and "submit_seconds" not in b:
        b["submit_seconds"] = SUBMIT_FRACTION * b["latency_seconds"]
        b["submit_median_seconds"] = SUBMIT_FRACTION * b["latency_seconds"]
jitter = float(os.environ.get("GPUPARITY_PROCESS_JITTER", "0"))
out = []
for p in range(processes):
    for b in runs:
        b = dict(b)
        if jitter and b["run_name"].startswith(("latency/launch/", "startup/")):
            for k in ("latency_seconds", "seconds", "submit_seconds", "submit_median_seconds"):
                if k in b:
                    b[k] *= 1 + jitter * ((p * 7919 + invocation * 104729) % 13 - 6) / 6
        if processes > 1:
            b["process_index"] = p
        out.append(b)
doc["benchmarks"] = out
rate_scale = float(os.environ.get("GPUPARITY_FAKE_RATE_SCALE", "1"))
for b in out:
    for k in [k for k in b if k.endswith("_per_second")]:
        b[k] *= rate_scale
doc["context"]["env_mnt_namespace"] = (os.environ.get("GPUPARITY_FAKE_MNT_NS")
                                       or os.readlink("/proc/self/ns/mnt"))

if gpus:
    doc["context"].update(gpu_uuid=visible[0], gpu_index="0", gpu_device_count=str(len(visible)),
                          gpu_uuids=",".join(visible))
    for var in ("CUDA_VISIBLE_DEVICES", "CUDA_DEVICE_ORDER"):
        if var in os.environ:
            doc["context"]["env_var_" + var] = os.environ[var]

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
elif fault == "submit-string":
    for b in doc["benchmarks"]:
        if b["run_name"].startswith("latency/launch/"):
            b["submit_seconds"] = "fast"
elif fault == "other-gpu-model":
    doc["context"]["gpu_name"] = "NVIDIA A100-SXM4-80GB"
elif fault == "other-gpu-uuid":
    doc["context"]["gpu_uuid"] = "GPU-00000000-0000-0000-0000-000000000001"
elif fault == "no-gpu-facts":
    doc["context"] = {k: v for k, v in doc["context"].items() if not k.startswith("gpu_")}
elif fault not in FAULTS:
    sys.exit("fake_bench: unknown fault " + fault)
json.dump(doc, sys.stdout)
