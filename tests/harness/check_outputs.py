#!/usr/bin/env python3
"""Renders real reports from results/ with `gpuparity report` and `gpuparity compare`, then
hands each rendering to a consumer:
  --check strict   : strict parsers written here (JUnit structure and counts, the Prometheus
                     text exposition format line by line, HTML well-formedness, Markdown)
  --check xmllint  : JUnit XML against tests/data/junit.xsd (libxml2's xmllint)
  --check promtool : `promtool check metrics` (Debian package prometheus)
  --check chromium : the HTML page in headless Chromium: it renders, the charts are in the
                     DOM, the console shows no error; a screenshot is kept
Each check also feeds one deliberately broken input and requires it to be rejected."""
import argparse
import glob
import html.parser
import json
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ap = argparse.ArgumentParser()
ap.add_argument("--gpuparity", required=True)
ap.add_argument("--results", required=True)
ap.add_argument("--xsd")
ap.add_argument("--tool", help="xmllint, promtool or chromium executable")
ap.add_argument("--check", required=True, choices=["strict", "xmllint", "promtool", "chromium"])
ap.add_argument("--keep", help="folder to keep renderings and screenshots in")
args = ap.parse_args()

tmp = args.keep or tempfile.mkdtemp(prefix="gpuparity-outputs-")
os.makedirs(tmp, exist_ok=True)
passed = failed = 0


def ok(cond, what):
    global passed, failed
    if cond:
        passed += 1
    else:
        failed += 1
        print("FAIL", what)


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=kw.pop("timeout", 120), **kw)


# Inputs: every committed run report, plus comparisons (self, and one metric at 0.95).
reports = sorted(glob.glob(os.path.join(args.results, "**", "*.report.json"), recursive=True))
ok(len(reports) >= 4, f"committed reports found: {len(reports)}")
docs = []  # (name, path, kind)
for r in reports:
    # Named by the path under results/: runs in different folders share file names.
    docs.append((os.path.relpath(r, args.results).replace(os.sep, "_"), r, "run"))
loaded = {r: json.load(open(r)) for r in reports}
good = [r for r in reports if loaded[r]["metrics"]]
if good:
    # The report with the most trials: a comparison of too few samples is rightly inconclusive.
    latest = max(good, key=lambda r: len(loaded[r]["trials"]))
    scaled = json.loads(json.dumps(loaded[latest]))  # a copy to scale
    for m in scaled["metrics"]:
        if m["name"] == "stream/triad:bytes_per_second":
            m["container"]["samples"] = [v * 0.95 for v in m["container"]["samples"]]
    scaled_path = os.path.join(tmp, "scaled.report.json")
    json.dump(scaled, open(scaled_path, "w"))
    # A candidate that measured one of the metrics: an error, and every rendering lists the
    # others; a run report with the reason and missing metrics `run` writes.
    one = json.loads(json.dumps(loaded[latest]))
    one["metrics"] = one["metrics"][:1]
    one_path = os.path.join(tmp, "one.report.json")
    json.dump(one, open(one_path, "w"))
    missing = json.loads(json.dumps(loaded[latest]))
    missing.update(verdict="error", exit_code=4, error="2 metric(s) measured on one side only",
                   verdict_reason="2 metric(s) measured on one side only",
                   missing_metrics=[{"name": "extra/a:seconds", "measured_on": "native", "explained": False},
                                    {"name": "extra/b:bytes_per_second", "measured_on": "container",
                                     "explained": True}])
    missing_path = os.path.join(tmp, "missing.report.json")
    json.dump(missing, open(missing_path, "w"))
    docs.append(("missing.report.json", missing_path, "run"))
    # A run on a GPU selected by index (run --gpus 3), whose model name needs escaping: every
    # series carries gpu_name, gpu_uuid and gpu_index.
    selected = json.loads(json.dumps(loaded[latest]))
    selected["config"]["gpus"] = {"selection": "3", "selected_by": "index",
                                  "native_environment": {"CUDA_VISIBLE_DEVICES": "3"}}
    selected["sides"]["native"]["gpu_name"] = 'NVIDIA "H100" \\ 80GB\nHBM3'
    selected_path = os.path.join(tmp, "gpu-selected.report.json")
    json.dump(selected, open(selected_path, "w"))
    docs.append(("gpu-selected.report.json", selected_path, "run"))
    for name, cand, want in (("self", latest, 0), ("scaled", scaled_path, 1), ("one", one_path, 4)):
        out = os.path.join(tmp, f"compare-{name}.json")
        p = run([args.gpuparity, "compare", latest, cand, "-o", out])
        ok(p.returncode == want, f"compare {name}: exit {p.returncode}, expected {want}: {p.stderr}")
        docs.append((f"compare-{name}", out, "compare"))


def doc_of(name):
    """The document a rendering was made from."""
    return json.load(open(next(p for n, p, _ in docs if n == name)))


def render(flag, ext):
    paths = []
    for name, path, _ in docs:
        out = os.path.join(tmp, f"{name}.{ext}")
        p = run([args.gpuparity, "report", path, flag, out])
        ok(p.returncode == 0 and os.path.exists(out), f"report {flag} {name}: {p.stderr}")
        paths.append((name, out))
    return paths


def strict_junit(path):
    root = ET.parse(path).getroot()
    if root.tag != "testsuites":
        return "root is not <testsuites>"
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in root:
        if suite.tag != "testsuite":
            return f"<{suite.tag}> under <testsuites>"
        cases = suite.findall("testcase")
        counts = {"tests": len(cases),
                  "failures": sum(c.find("failure") is not None for c in cases),
                  "errors": sum(c.find("error") is not None for c in cases),
                  "skipped": sum(c.find("skipped") is not None for c in cases)}
        for k, v in counts.items():
            if int(suite.get(k, -1)) != v:
                return f"suite {suite.get('name')}: {k}={suite.get(k)} but {v} cases"
            totals[k] += v
        for c in cases:
            if not c.get("name") or not c.get("classname"):
                return "a testcase without name or classname"
            for f in c.findall("failure") + c.findall("error"):
                if not f.get("message"):
                    return f"{c.get('name')}: failure without message"
    for k, v in totals.items():
        if int(root.get(k, -1)) != v:
            return f"<testsuites {k}={root.get(k)}> but {v}"
    return None


METRIC = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)( \d+)?$")
LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"\s*(,|$)')


def strict_prom(text):
    """The text exposition format (version 0.0.4), strictly."""
    families, series, current = {}, set(), None
    if not text.endswith("\n"):
        return "does not end with a newline"
    for n, line in enumerate(text.splitlines(), 1):
        if line.startswith("# HELP "):
            name = line.split(" ", 3)[2]
            if name in families:
                return f"line {n}: HELP for {name} repeated"
            families[name] = None
            current = name
            continue
        if line.startswith("# TYPE "):
            parts = line.split(" ")
            if len(parts) != 4 or parts[3] not in ("gauge", "counter", "untyped", "summary", "histogram"):
                return f"line {n}: bad TYPE line"
            if parts[2] != current or families.get(parts[2]) is not None:
                return f"line {n}: TYPE for {parts[2]} out of place"
            families[parts[2]] = parts[3]
            continue
        if line.startswith("#") or not line:
            return f"line {n}: unexpected {line!r}"
        m = METRIC.match(line)
        if not m:
            return f"line {n}: not a sample: {line!r}"
        name, labels = m.group(1), m.group(3) or ""
        if name != current or families.get(name) != "gauge":
            return f"line {n}: sample of {name} outside its gauge family"
        pos, keys = 0, []
        while pos < len(labels):
            lm = LABEL.match(labels, pos)
            if not lm:
                return f"line {n}: bad label syntax at {labels[pos:]!r}"
            keys.append(lm.group(1))
            pos = lm.end()
        if len(keys) != len(set(keys)):
            return f"line {n}: repeated label"
        try:
            v = float(m.group(4))
        except ValueError:
            return f"line {n}: value {m.group(4)!r}"
        if math.isinf(v):
            return f"line {n}: infinite value"
        key = (name, labels)
        if key in series:
            return f"line {n}: duplicate series"
        series.add(key)
    return None if series else "no samples"


class Tags(html.parser.HTMLParser):
    VOID = {"meta", "br", "hr", "img", "input", "link", "rect", "circle", "line", "polyline"}

    def __init__(self):
        super().__init__()
        self.stack, self.error, self.svgs = [], None, 0

    def handle_starttag(self, tag, attrs):
        if tag == "svg":
            self.svgs += 1
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.error = self.error or f"</{tag}> closes <{self.stack[-1] if self.stack else None}>"
        else:
            self.stack.pop()


def strict_html(text):
    t = Tags()
    t.feed(text)
    if t.error:
        return t.error
    if t.stack:
        return f"unclosed {t.stack}"
    if "<script" in text or re.search(r"(src|href)=\"https?:", text):
        return "not self-contained"
    return None


if args.check == "strict":
    for name, path in render("--junit", "xml"):
        err = strict_junit(path)
        ok(err is None, f"junit {name}: {err}")
    broken = os.path.join(tmp, "broken.xml")
    open(broken, "w").write('<testsuites tests="1" failures="0" errors="0" skipped="0">'
                            '<testsuite name="x" tests="2" failures="0" errors="0" skipped="0" time="0">'
                            '<testcase classname="a" name="b" time="0"/></testsuite></testsuites>')
    ok(strict_junit(broken) is not None, "strict junit accepted a wrong count")
    for name, path in render("--prom", "prom"):
        text = open(path).read()
        err = strict_prom(text)
        ok(err is None, f"prometheus {name}: {err}")
        if name.endswith(".report.json"):  # a run: every series names its GPU
            series = [l for l in text.splitlines() if l and not l.startswith("#")]
            ok(all(',gpu_uuid="' in l for l in series), f"prometheus {name}: a series without gpu_uuid")
            if name == "gpu-selected.report.json":
                ok(all(',gpu_index="3"' in l and 'gpu_name="NVIDIA \\"H100\\" \\\\ 80GB\\nHBM3"' in l
                       for l in series), f"prometheus {name}: gpu_index or the escaped gpu_name missing")
    ok(strict_prom('# HELP a x\n# TYPE a gauge\na{b="c"} 1\na{b="c"} 2\n') is not None,
       "strict prometheus accepted a duplicate series")
    ok(strict_prom('# HELP a x\n# TYPE a gauge\na{b="c} 1\n') is not None,
       "strict prometheus accepted a broken label")
    for name, path in render("--html", "html"):
        err = strict_html(open(path).read())
        ok(err is None, f"html {name}: {err}")
    ok(strict_html("<html><body><div></span></body></html>") is not None,
       "strict html accepted mismatched tags")
    for name, path in render("--html", "html"):  # the decision before the first chart
        text = open(path).read()
        svg = text.find("<svg")
        ok(0 < text.find('id="counts"') and (svg < 0 or text.find('id="counts"') < svg),
           f"html {name}: the verdict's counts do not precede the first chart")
    for name, path in render("--text", "txt"):  # the console summary: verdict first, 100 columns
        text = open(path).read()
        doc = doc_of(name)
        ok(text.startswith("verdict: " + doc["verdict"]), f"text {name}: first line {text[:60]!r}")
        wide = [l for l in text.splitlines() if len(l) > 100]
        ok(not wide, f"text {name}: {len(wide)} line(s) over 100 columns: {wide[:1]}")
    for name, path in render("--markdown", "md"):
        text = open(path).read()
        ok(text.startswith("## gpuparity "), f"markdown {name}: heading")
        ok("**Metrics:** " in text and ("| metric |" not in text or
                                        text.find("**Metrics:** ") < text.find("| metric |")),
           f"markdown {name}: the counts do not precede the table")
        rows = [l for l in text.splitlines() if l.startswith("| `")]
        doc = doc_of(name)
        ok(len(rows) >= len(doc["metrics"]), f"markdown {name}: {len(rows)} rows for {len(doc['metrics'])} metrics")

elif args.check == "xmllint":
    for name, path in render("--junit", "xml"):
        p = run([args.tool, "--noout", "--schema", args.xsd, path])
        ok(p.returncode == 0, f"xmllint {name}: {p.stderr.strip()}")
    broken = os.path.join(tmp, "broken.xml")
    open(broken, "w").write('<testsuites tests="x"><testsuite/></testsuites>')
    ok(run([args.tool, "--noout", "--schema", args.xsd, broken]).returncode != 0,
       "xmllint accepted a broken JUnit file")

elif args.check == "promtool":
    for name, path in render("--prom", "prom"):
        p = run([args.tool, "check", "metrics"], input=open(path).read())
        ok(p.returncode == 0, f"promtool {name}: {p.stdout.strip()} {p.stderr.strip()}")
    p = run([args.tool, "check", "metrics"], input="# TYPE a gauge\na{b=\"c} 1\n")
    ok(p.returncode != 0, "promtool accepted a broken exposition")

elif args.check == "chromium":
    base = [args.tool, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-extensions", "--disable-dev-shm-usage", f"--user-data-dir={tmp}/chromium-profile"]
    for name, path in render("--html", "html"):
        doc = doc_of(name)
        url = "file://" + os.path.abspath(path)
        p = run(base + ["--enable-logging=stderr", "--v=0", "--dump-dom", url], timeout=180)
        dom = p.stdout
        ok(p.returncode == 0 and "</html>" in dom, f"chromium {name}: did not render ({p.returncode})")
        console = [l for l in p.stderr.splitlines() if "CONSOLE" in l or "Uncaught" in l]
        ok(not console, f"chromium {name}: console messages {console[:3]}")
        charts = len({m["class"] for m in doc["metrics"]})
        if "baseline_comparison" in doc:  # its own chart per class
            charts += len({m["class"] for m in doc["baseline_comparison"]["metrics"]})
        forests = dom.count('<svg class="forest"')
        ok(forests == charts, f"chromium {name}: {forests} class charts, expected {charts}")
        if "mode" in doc:
            ok(dom.count('<svg class="scatter"') == len(doc["metrics"]), f"chromium {name}: scatter per metric")
        svg = dom.find("<svg")
        ok(dom.find('id="counts"') > 0 and (svg < 0 or dom.find('id="counts"') < svg),
           f"chromium {name}: the verdict's counts do not precede the first chart")
        shot = os.path.join(tmp, name + ".png")
        p = run(base + ["--hide-scrollbars", "--window-size=1200,2000", f"--screenshot={shot}", url], timeout=180)
        ok(os.path.exists(shot) and os.path.getsize(shot) > 20000, f"chromium {name}: screenshot")
    # The check can fail: a page whose script throws must show a console error.
    bad = os.path.join(tmp, "throws.html")
    open(bad, "w").write("<!DOCTYPE html><html><body><script>undefined_function()</script></body></html>")
    p = run(base + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + bad], timeout=180)
    ok(any("Uncaught" in l or "CONSOLE" in l for l in p.stderr.splitlines()),
       "chromium console check cannot see errors")

# The fleet of every committed report (gpuparity fleet), in each rendering, by the same checks.
fleet = {ext: os.path.join(tmp, "fleet." + ext) for ext in ("xml", "prom", "html", "md")}
p = run([args.gpuparity, "fleet", args.results, "--min-nodes", "3", "-o", os.path.join(tmp, "fleet.json"),
         "--junit", fleet["xml"], "--prom", fleet["prom"], "--html", fleet["html"], "--markdown", fleet["md"]],
        timeout=300)
ok(p.returncode in (0, 1, 3, 4) and all(os.path.exists(f) for f in fleet.values()),
   f"fleet renderings: exit {p.returncode}: {p.stderr.strip()[-300:]}")
if all(os.path.exists(f) for f in fleet.values()):
    nodes = len(json.load(open(os.path.join(tmp, "fleet.json")))["nodes"])
    if args.check == "strict":
        err = strict_junit(fleet["xml"])
        ok(err is None, f"fleet junit: {err}")
        err = strict_prom(open(fleet["prom"]).read())
        ok(err is None, f"fleet prometheus: {err}")
        err = strict_html(open(fleet["html"]).read())
        ok(err is None, f"fleet html: {err}")
        ok(open(fleet["md"]).read().startswith("## gpuparity fleet: **"), "fleet markdown: heading")
    elif args.check == "xmllint":
        p = run([args.tool, "--noout", "--schema", args.xsd, fleet["xml"]])
        ok(p.returncode == 0, f"xmllint fleet: {p.stderr.strip()}")
    elif args.check == "promtool":
        p = run([args.tool, "check", "metrics"], input=open(fleet["prom"]).read())
        ok(p.returncode == 0, f"promtool fleet: {p.stdout.strip()} {p.stderr.strip()}")
    elif args.check == "chromium":
        p = run(base + ["--enable-logging=stderr", "--v=0", "--dump-dom", "file://" + os.path.abspath(fleet["html"])],
                timeout=180)
        ok(p.returncode == 0 and "</html>" in p.stdout, f"chromium fleet: did not render ({p.returncode})")
        rows = p.stdout.count("<tr>")
        ok(rows == nodes + 1, f"chromium fleet: {rows} table rows for {nodes} nodes")

print(f"outputs ({args.check}): renderings in {tmp}")
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
