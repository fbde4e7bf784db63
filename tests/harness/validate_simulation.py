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
errors = list(validator.iter_errors(doc))
for e in errors:
    print(f"simulation: {list(e.path)}: {e.message}")
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
