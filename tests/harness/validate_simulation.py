#!/usr/bin/env python3
"""`gpuparity simulate -o` on a committed report against its JSON Schema; a broken copy must fail."""
import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile

import jsonschema

ap = argparse.ArgumentParser()
ap.add_argument("--schema", required=True)
ap.add_argument("--gpuparity", required=True)
ap.add_argument("--report", required=True)
ap.add_argument("--committed", help="a folder whose */simulation/*.json must validate too")
args = ap.parse_args()
schema = json.load(open(args.schema))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)

with tempfile.TemporaryDirectory() as tmp:
    out = os.path.join(tmp, "simulation.json")
    r = subprocess.run([args.gpuparity, "simulate", args.report, "--runs", "3", "--power-metric",
                        "stream/triad:bytes_per_second", "-o", out],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        sys.exit(f"gpuparity simulate exited {r.returncode}: {r.stderr}")
    doc = json.load(open(out))
    # A report with the host-observed round trips (class round_trip) and their submit_seconds
    # (tests/data/fake_bench.py gives them as gpuparity-bench does), simulated in turn.
    data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
    trips, trips_sim = os.path.join(tmp, "round-trips.json"), os.path.join(tmp, "round-trips-sim.json")
    subprocess.run([args.gpuparity, "run", "--native-vs-native", "--bench", os.path.join(data, "fake_bench.py"),
                    "--programs", "bench", "--filter", "latency/", "--no-telemetry", "--budget", "30",
                    "-o", trips],
                   env=dict(os.environ, GPUPARITY_RECORDED_OUTPUT=os.path.join(data, "h100-gpuparity-bench.json")),
                   capture_output=True, timeout=300)
    r = subprocess.run([args.gpuparity, "simulate", trips, "--runs", "3", "-o", trips_sim],
                       capture_output=True, text=True, timeout=120)
    if r.returncode != 0:
        sys.exit(f"gpuparity simulate of the round trips exited {r.returncode}: {r.stderr}")
    trips_doc = json.load(open(trips_sim))
errors = list(validator.iter_errors(doc))
for e in errors:
    print(f"simulation: {list(e.path)}: {e.message}")
for e in validator.iter_errors(trips_doc):
    errors.append(e)
    print(f"round-trip simulation: {list(e.path)}: {e.message}")
described = {m["name"]: (m["counter"], m["class"]) for s in trips_doc["scenarios"] for m in s["metrics"]}
if described.get("latency/launch:submit_seconds") != ("submit_seconds", "host") or \
        described.get("latency/launch:latency_seconds") != ("latency_seconds", "round_trip"):
    errors.append("round trips")
    print(f"round-trip simulation: metrics {described}")
if args.committed:
    import glob
    for f in sorted(glob.glob(os.path.join(args.committed, "*", "simulation", "*.json"))):
        for e in validator.iter_errors(json.load(open(f))):
            errors.append(e)
            print(f"{f}: {list(e.path)}: {e.message}")
broken = copy.deepcopy(doc)
broken["scenarios"][0]["p_parity"] = 1.5  # a probability above 1
if validator.is_valid(broken):
    errors.append("a probability of 1.5 passed the schema")
    print("simulation schema accepted a probability of 1.5")
sys.exit(1 if errors else 0)
