#!/usr/bin/env python3
"""`cmake --install` of the build tree into a fresh prefix, as a user or a package does:
every file the install promises is there (schemas, baselines, examples, docs, man page,
completion), the installed gpuparity runs and renders a committed report, the man page
renders without a warning, the completion loads in bash, and the `harness` component alone
carries no workload program."""
import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import tempfile

TIMEOUT = 300  # seconds, for every program run here (an install copies ~100 MB)


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, **kw)


def must(argv, **kw):
    p = run(argv, **kw)
    if p.returncode != 0:
        sys.exit(f"FAIL: {' '.join(argv)} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
    return p


def tree(root):
    return {os.path.relpath(os.path.join(d, f), root) for d, _, fs in os.walk(root) for f in fs}


def expected_files(source):
    """Installed path -> source file it must equal (None: made at build time)."""
    exp = {}
    for sub, dest in (("results/schema", "share/gpuparity/schema"),
                      ("results/baselines", "share/gpuparity/baselines"),
                      ("examples", "share/doc/gpuparity/examples")):
        for rel in tree(os.path.join(source, sub)):
            exp[os.path.join(dest, rel)] = os.path.join(source, sub, rel)
    for f in ("README.md", "CHANGELOG.md", "LICENSE"):
        exp["share/doc/gpuparity/" + f] = os.path.join(source, f)
    exp["share/bash-completion/completions/gpuparity"] = os.path.join(
        source, "share/completion/gpuparity.bash")
    exp["share/man/man1/gpuparity.1"] = None
    exp["bin/gpuparity"] = None
    return exp


def check_man(page, version, problems):
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    env.pop("MAN_KEEP_FORMATTING", None)  # man-db keeps overstrikes when it is set at all
    # groff's warnings (-ww) are the page's defects; man -l is what a user runs.
    if shutil.which("groff"):
        p = run(["groff", "-man", "-Tutf8", "-ww", "-z", page], env=env)
        if p.returncode != 0 or p.stderr.strip():
            problems.append(f"groff warns on the man page: {p.stderr.strip()}")
    if shutil.which("man"):
        text = must(["man", "-l", page], env=env).stdout
    elif shutil.which("groff"):
        text = must(["groff", "-man", "-Tutf8", page], env=env).stdout
    else:
        text = open(page, encoding="utf-8").read()
        print("no man or groff here: the page's structure is checked, not its rendering")
    for needed in ("NAME", "SYNOPSIS", "COMMANDS", "EXIT STATUS", "MARGIN OPTIONS",
                   "gpuparity " + version):
        if needed not in text:
            problems.append(f"the man page has no '{needed}'")
    for sub in ("run", "compare", "baseline", "report", "simulate", "fleet"):
        if f"gpuparity {sub}" not in text:
            problems.append(f"the man page does not describe `gpuparity {sub}`")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cmake", required=True)
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--source", required=True)
    ap.add_argument("--report", required=True, help="a committed run report to render")
    a = ap.parse_args()
    problems = []
    with tempfile.TemporaryDirectory(prefix="gpuparity-install-") as tmp:
        prefix = os.path.join(tmp, "all")
        must([a.cmake, "--install", a.build_dir, "--prefix", prefix])
        installed = tree(prefix)
        for path, src in expected_files(a.source).items():
            if path not in installed:
                problems.append(f"not installed: {path}")
            elif src and not filecmp.cmp(os.path.join(prefix, path), src, shallow=False):
                problems.append(f"{path} differs from {src}")
        if "bin/gpuparity-bench" not in installed:
            problems.append("not installed: bin/gpuparity-bench")

        g = os.path.join(prefix, "bin", "gpuparity")
        built = must([os.path.join(a.build_dir, "harness", "gpuparity"), "--version"]).stdout
        version_line = must([g, "--version"]).stdout
        if version_line != built:
            problems.append(f"installed --version {version_line!r}, built {built!r}")
        summary = must([g, "report", a.report]).stdout
        if "verdict" not in summary:
            problems.append(f"installed gpuparity report printed no verdict:\n{summary[:400]}")
        check_man(os.path.join(prefix, "share/man/man1/gpuparity.1"), version_line.split()[0],
                  problems)

        comp = os.path.join(prefix, "share/bash-completion/completions/gpuparity")
        p = run(["bash", "-c", 'source "$1" && complete -p gpuparity', "bash", comp])
        if p.returncode != 0 or "-F _gpuparity" not in p.stdout:
            problems.append(f"the installed completion registers no function: {p.stdout!r} {p.stderr!r}")

        # The harness component: what the `gpuparity` package carries.
        hprefix = os.path.join(tmp, "harness")
        must([a.cmake, "--install", a.build_dir, "--prefix", hprefix, "--component", "harness"])
        hfiles = tree(hprefix)
        for prog in ("bin/gpuparity-bench", "bin/gpuparity-torch"):
            if prog in hfiles:
                problems.append(f"the harness component carries {prog}")
        missing = set(expected_files(a.source)) - hfiles
        if missing:
            problems.append(f"the harness component lacks {sorted(missing)}")
        wprefix = os.path.join(tmp, "workloads")
        must([a.cmake, "--install", a.build_dir, "--prefix", wprefix, "--component", "workloads"])
        wfiles = tree(wprefix)
        if "bin/gpuparity-bench" not in wfiles or "bin/gpuparity" in wfiles or any(
                f.startswith("share/") for f in wfiles):
            problems.append(f"the workloads component holds {sorted(wfiles)}")
    for p in problems:
        print("FAIL:", p)
    if problems:
        return 1
    print(f"install tree: {len(installed)} files as promised; man page renders; completion loads;"
          f" components split harness/workloads")
    return 0


if __name__ == "__main__":
    sys.exit(main())
