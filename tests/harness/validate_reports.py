#!/usr/bin/env python3
"""Validates gpuparity reports against the JSON Schema: reports gpuparity writes here (on a
machine with no visible GPU: error reports), every report committed under results/, and
one deliberately broken report, which must be rejected (the check can fail)."""
import argparse
import copy
import glob
import json
import os
import subprocess
import sys
import tempfile

import jsonschema  # Debian: python3-jsonschema

ap = argparse.ArgumentParser()
ap.add_argument("--schema", required=True)
ap.add_argument("--comparison-schema", required=True)
ap.add_argument("--baseline-schema", required=True)
ap.add_argument("--fleet-schema", required=True)
ap.add_argument("--node-schema", required=True)
ap.add_argument("--gpuparity", required=True)
ap.add_argument("--bench", required=True)
ap.add_argument("--committed", required=True)
args = ap.parse_args()


def validator_for(path):
    schema = json.load(open(path))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


validator = validator_for(args.schema)
comparison_validator = validator_for(args.comparison_schema)
baseline_validator = validator_for(args.baseline_schema)
fleet_validator = validator_for(args.fleet_schema)
node_validator = validator_for(args.node_schema)
passed = failed = 0


def check(name, report, expect_valid=True, v=None):
    global passed, failed
    errors = sorted((v or validator).iter_errors(report), key=lambda e: list(e.path))
    ok = (not errors) == expect_valid
    if ok:
        passed += 1
    else:
        failed += 1
        detail = "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5]) or "accepted but should not be"
        print(f"FAIL {name}: {detail}")


tmp = tempfile.mkdtemp()
env = dict(os.environ, CUDA_VISIBLE_DEVICES="-1")
generated = {
    "no-gpu": [args.gpuparity, "run", "--native-vs-native", "--bench", args.bench, "--filter", "stream/copy"],
    "missing-runtime": [args.gpuparity, "run", "--runtime", "podman", "--engine", "/nonexistent/podman",
                        "--image", "x", "--bench", args.bench],
}
for name, cmd in generated.items():
    out = os.path.join(tmp, name + ".json")
    subprocess.run(cmd + ["-o", out], env=env, capture_output=True, timeout=300)
    report = json.load(open(out))
    check(name, report)
    if name == "no-gpu":
        broken = copy.deepcopy(report)
        broken["verdict"] = "parity"  # an error report must never validate as parity
        check("no-gpu marked parity", broken, expect_valid=False)

# --gpus: a report whose gpu proof is filled in, from tests/data/fake_bench.py on a fake
# machine with two GPUs (both sides natively, each told the selection), and its selection
# broken two ways.
data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
fake_env = dict(os.environ, GPUPARITY_RECORDED_OUTPUT=os.path.join(data, "h100-gpuparity-bench.json"),
                GPUPARITY_FAKE_GPUS="GPU-00000000-0000-0000-0000-000000000000,"
                                    "GPU-11111111-1111-1111-1111-111111111111")
fake_env.pop("CUDA_VISIBLE_DEVICES", None)
for name, gpus in (("gpus-index", "1"), ("gpus-uuid", "GPU-11111111-1111-1111-1111-111111111111")):
    out = os.path.join(tmp, name + ".json")
    subprocess.run([args.gpuparity, "run", "--native-vs-native", "--bench", os.path.join(data, "fake_bench.py"),
                    "--programs", "bench", "--filter", "stream/copy", "--gpus", gpus, "--no-telemetry",
                    "--processes-per-trial", "0", "--budget", "30", "-o", out],
                   env=fake_env, capture_output=True, timeout=300)
    report = json.load(open(out))
    check(name, report)
    if report.get("gpu", {}).get("uuid") != "GPU-11111111-1111-1111-1111-111111111111":
        failed += 1
        print(f"FAIL {name}: gpu.uuid is {report.get('gpu', {}).get('uuid')!r}")
    broken = copy.deepcopy(report)
    broken["gpu"]["selected_by"] = "list"
    check(name + " selected by a list", broken, expect_valid=False)
    broken = copy.deepcopy(report)
    broken["config"]["gpus"]["native_environment"]["CUDA_VISIBLE_DEVICES"] = 1
    check(name + " with a number in the environment", broken, expect_valid=False)

# The latency family from tests/data/fake_bench.py, which gives the three host-observed round
# trips submit_seconds as gpuparity-bench does: metrics of class round_trip and counter
# submit_seconds, margins.round_trip; compared with itself and pooled into a baseline by
# gpuparity (whose loader checks the same fields), each against its schema.
out = os.path.join(tmp, "round-trips.json")
subprocess.run([args.gpuparity, "run", "--native-vs-native", "--bench", os.path.join(data, "fake_bench.py"),
                "--programs", "bench", "--filter", "latency/", "--no-telemetry", "--budget", "30", "-o", out],
               env=dict(os.environ, GPUPARITY_RECORDED_OUTPUT=fake_env["GPUPARITY_RECORDED_OUTPUT"]),
               capture_output=True, timeout=300)
trips = json.load(open(out))
check("round-trips", trips)
classes = {m["name"]: m["class"] for m in trips["metrics"]}
# submit_seconds is the host CPU's speed: class host (informational unless --judge-host).
wanted = {"latency/launch:latency_seconds": "round_trip", "latency/memcpy_h2d_small:latency_seconds": "round_trip",
          "latency/launch:submit_seconds": "host", "latency/device_memory:latency_seconds": "latency"}
if trips.get("verdict") != "parity" or any(classes.get(k) != v for k, v in wanted.items()) or \
        trips["config"]["margins"].get("round_trip") != 0.10:
    failed += 1
    print(f"FAIL round-trips: verdict {trips.get('verdict')}, classes {classes}, margins {trips['config']['margins']}")
# Every metric says how its sides were compared: the host-observed ones (round trips, their
# submit_seconds) in pairs, the GPU-timed latency/device_memory as independent samples.
comparisons = {m["name"]: m.get("comparison") for m in trips["metrics"]}
wanted = {"latency/launch:latency_seconds": "paired", "latency/graph_launch:latency_seconds": "paired",
          "latency/memcpy_h2d_small:submit_seconds": "paired", "latency/device_memory:latency_seconds": "independent"}
if any(comparisons.get(k) != v for k, v in wanted.items()):
    failed += 1
    print(f"FAIL round-trips: comparisons {comparisons}")
broken = copy.deepcopy(trips)
broken["metrics"][0]["comparison"] = "pairs"
check("round-trips with comparison pairs", broken, expect_valid=False)
older = copy.deepcopy(trips)
for m in older["metrics"]:
    del m["comparison"]
check("round-trips written before comparison", older)
broken = copy.deepcopy(trips)
next(m for m in broken["metrics"] if m["class"] == "round_trip")["class"] = "round-trip"
check("round-trips with class round-trip", broken, expect_valid=False)
broken = copy.deepcopy(trips)
broken["config"]["margins"]["round_trip"] = 10
check("round-trips with a margin of 1000%", broken, expect_valid=False)
broken = copy.deepcopy(trips)
next(m for m in broken["metrics"] if m["counter"] == "submit_seconds")["counter"] = "submit_time"
check("round-trips with an unknown counter", broken, expect_valid=False)
for what, cmd in (("compare", ["compare", out, out]), ("baseline", ["baseline", out])):
    made = os.path.join(tmp, f"round-trips-{what}.json")
    r = subprocess.run([args.gpuparity, *cmd, "-o", made], capture_output=True, text=True, timeout=60)
    # compare: 3 samples a side give the rank interval none (inconclusive, exit 3); 4 is an error
    if r.returncode not in (0, 3) or not os.path.exists(made):
        failed += 1
        print(f"FAIL round-trips {what}: exit {r.returncode}: {r.stderr.strip()[-300:]}")
        continue
    doc = json.load(open(made))
    check(f"round-trips {what}", doc, v=comparison_validator if what == "compare" else baseline_validator)
    if not any(m["counter"] == "submit_seconds" for m in doc["metrics"]):
        failed += 1
        print(f"FAIL round-trips {what}: no submit_seconds metric")

committed = sorted(glob.glob(os.path.join(args.committed, "**", "*.report.json"), recursive=True))
reports = {path: json.load(open(path)) for path in committed}
for path, report in reports.items():
    check(os.path.relpath(path, args.committed), report)
    if "baseline_comparison" in report:
        check(os.path.relpath(path, args.committed) + " baseline_comparison",
              report["baseline_comparison"], v=comparison_validator)

measured = [p for p in committed if reports[p]["metrics"]]

# The fields `run` adds for metrics measured on one side only.
if measured:
    missing = copy.deepcopy(reports[measured[0]])
    missing.update(verdict="error", exit_code=4, error="1 metric(s) measured on one side only",
                   verdict_reason="1 metric(s) measured on one side only",
                   missing_metrics=[{"name": "x/y:seconds", "measured_on": "native", "explained": False}])
    check("missing_metrics", missing)
    missing["missing_metrics"][0]["measured_on"] = "both"
    check("missing_metrics measured on both", missing, expect_valid=False)

# Comparisons: generated here from committed reports, and committed ones.
comparisons = sorted(glob.glob(os.path.join(args.committed, "**", "*.comparison.json"), recursive=True))
for i, path in enumerate(measured[:2]):
    out = os.path.join(tmp, f"compare-{i}.json")
    subprocess.run([args.gpuparity, "compare", measured[0], path, "-o", out], capture_output=True, timeout=60)
    comparisons.append(out)
if measured:  # a candidate with one metric: an error comparison
    one = copy.deepcopy(reports[measured[0]])
    one["metrics"] = one["metrics"][:1]
    one_path, out = os.path.join(tmp, "one.json"), os.path.join(tmp, "compare-one.json")
    json.dump(one, open(one_path, "w"))
    subprocess.run([args.gpuparity, "compare", measured[0], one_path, "-o", out], capture_output=True, timeout=60)
    comparisons.append(out)
for path in comparisons:
    doc = json.load(open(path))
    check(os.path.basename(path), doc, v=comparison_validator)
if comparisons:
    broken = json.load(open(comparisons[0]))
    broken["exit_code"] = 0
    broken["verdict"] = "regression"  # a regression must never exit 0
    check("comparison regression exiting 0", broken, expect_valid=False, v=comparison_validator)

# Baselines: committed ones (the shipped ones, and those kept with their gate runs), and one
# made here.
baselines = sorted(glob.glob(os.path.join(args.committed, "**", "*baseline.json"), recursive=True))
if measured:
    out = os.path.join(tmp, "baseline.json")
    subprocess.run([args.gpuparity, "baseline", *measured[:2], "-o", out], capture_output=True, timeout=60)
    baselines.append(out)
    out = os.path.join(tmp, "baseline-dropped.json")  # a metric one report lacks
    subprocess.run([args.gpuparity, "baseline", measured[0], one_path, "-o", out], capture_output=True,
                   timeout=60)
    if json.load(open(out)).get("dropped_metrics"):
        passed += 1
    else:
        failed += 1
        print("FAIL baseline-dropped.json: no dropped_metrics")
    baselines.append(out)
for path in baselines:
    check(os.path.basename(path), json.load(open(path)), v=baseline_validator)

# Fleet documents: every committed report merged into one (GPU models of their own, error
# reports among them), committed ones, and broken ones that must be rejected.
fleets = sorted(glob.glob(os.path.join(args.committed, "**", "*.fleet.json"), recursive=True))
out = os.path.join(tmp, "fleet.json")
r = subprocess.run([args.gpuparity, "fleet", args.committed, "--min-nodes", "3", "-o", out],
                   capture_output=True, text=True, timeout=300)
if r.returncode not in (0, 1, 3, 4) or not os.path.exists(out):
    failed += 1
    print(f"FAIL fleet of the committed reports: exit {r.returncode}: {r.stderr.strip()[-300:]}")
else:
    fleets.append(out)
for path in fleets:
    check(os.path.basename(path), json.load(open(path)), v=fleet_validator)
if os.path.exists(out):
    fleet = json.load(open(out))
    if len(fleet["nodes"]) != len(committed):
        failed += 1
        print(f"FAIL fleet: {len(fleet['nodes'])} nodes from {len(committed)} committed reports")
    broken = copy.deepcopy(fleet)
    broken["verdict"], broken["exit_code"] = "error", 0  # an error fleet must never exit 0
    check("fleet error exiting 0", broken, expect_valid=False, v=fleet_validator)
    broken = copy.deepcopy(fleet)
    broken["nodes"][0]["readable"] = "yes"
    check("fleet node readable as text", broken, expect_valid=False, v=fleet_validator)
# Committed node reports (any .json whose kind is gpuparity-node), against their schema.
for path in sorted(glob.glob(os.path.join(args.committed, "**", "*.json"), recursive=True)):
    if "/schema/" in path or "/simulation/" in path:
        continue
    doc = json.load(open(path))
    if isinstance(doc, dict) and doc.get("kind") == "gpuparity-node":
        check(os.path.relpath(path, args.committed), doc, v=node_validator)
# Node reports: `gpuparity node` on a fake node of two GPUs (a fake nvidia-smi, fake_bench.py
# with the node-wide peer/nccl cases, both sides natively), one whose nvidia-smi fails, and
# each run's report against the report schema; broken ones must be rejected.
smi = os.path.join(tmp, "nvidia-smi")
with open(smi, "w") as f:
    f.write("#!/bin/sh\n[ -n \"$FAKE_SMI_FAIL\" ] && { echo 'no driver' >&2; exit 9; }\n"
            "echo '0, GPU-00000000-0000-0000-0000-000000000000, 00000000:18:00.0, NVIDIA H100 80GB HBM3'\n"
            "echo '1, GPU-11111111-1111-1111-1111-111111111111, 00000000:2A:00.0, NVIDIA H100 80GB HBM3'\n")
os.chmod(smi, 0o755)
node_env = dict(fake_env, GPUPARITY_FAKE_PEER="nvlink")
nodes = 0
for name, extra in (("node", {}), ("node-no-smi", {"FAKE_SMI_FAIL": "1"})):
    out = os.path.join(tmp, name + ".json")
    r = subprocess.run([args.gpuparity, "node", "--native-vs-native", "--nvidia-smi", smi, "--bench",
                        os.path.join(data, "fake_bench.py"), "--programs", "bench", "--filter", "stream/copy",
                        "--no-telemetry", "--processes-per-trial", "0", "--budget", "30", "-o", out],
                       env=dict(node_env, **extra), capture_output=True, text=True, timeout=600)
    if not os.path.exists(out):
        failed += 1
        print(f"FAIL {name}: exit {r.returncode}, no report: {r.stderr.strip()[-300:]}")
        continue
    node = json.load(open(out))
    nodes += 1
    check(name, node, v=node_validator)
    for part in node["gpus"] + ([node["node_wide"]] if node["node_wide"] else []):
        if part.get("report"):
            check(name + " " + os.path.basename(part["report"]), json.load(open(part["report"])))
    if name == "node":
        if node["verdict"] != "parity" or len(node["gpus"]) != 2 or node["node_wide"]["status"] != "run":
            failed += 1
            print(f"FAIL node: verdict {node['verdict']} ({node['verdict_reason']}), "
                  f"{len(node['gpus'])} GPUs, node-wide {node['node_wide']['status']}")
        broken = copy.deepcopy(node)
        broken["gpus"][1]["verdict"] = "error"  # a node with a GPU in error is never parity
        check("node parity with a GPU in error", broken, expect_valid=False, v=node_validator)
        broken = copy.deepcopy(node)
        broken["gpus"][0]["uuid"] = "0"
        check("node GPU without a UUID", broken, expect_valid=False, v=node_validator)
        broken = copy.deepcopy(node)
        broken["verdict"], broken["exit_code"] = "error", 0
        check("node error exiting 0", broken, expect_valid=False, v=node_validator)
print(f"report schema: {len(committed)} committed reports, {len(comparisons)} comparisons, "
      f"{len(baselines)} baselines, {len(fleets)} fleet documents, {nodes} node reports")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
