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
ap.add_argument("--gpuparity", required=True)
ap.add_argument("--bench", required=True)
ap.add_argument("--committed", required=True)
args = ap.parse_args()

schema = json.load(open(args.schema))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
passed = failed = 0


def check(name, report, expect_valid=True):
    global passed, failed
    errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
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

committed = sorted(glob.glob(os.path.join(args.committed, "**", "*.report.json"), recursive=True))
for path in committed:
    check(os.path.relpath(path, args.committed), json.load(open(path)))
print(f"report schema: {len(committed)} committed reports")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
