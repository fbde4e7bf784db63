#!/bin/bash
# A new user's first report, on the GPU machine: a fresh clone of a git bundle ($1), then
# the README's commands and nothing else, each with its output, exit status and wall time
# in $OUT/fresh-clone-transcript.txt (docs/first-run.md quotes it). Lines marked "lent machine"
# stand in for what a real GPU node has already (a container engine with a CDI spec, a
# registry with a CUDA runtime image): ../shared/gpubox gives this machine podman and
# makes the runtime image from its own files, since no registry is reachable from it.
# The run's report (the README's command writes no JUnit or Prometheus file) is copied to
# $OUT/runs/$GPUPARITY_FRESH_RUN_NAME (default parity-podman-fresh).report.json. Exit status:
# the run's (0 parity), 1 when a step before it failed or it wrote no report.
set -uo pipefail
OUT=${OUT:-/tmp/out}
bundle=$(realpath "${1:?usage: fresh_clone.sh GIT-BUNDLE [GPUBOX-DIR]}")
box=$(realpath "${2:-.gpubox}")
name=${GPUPARITY_FRESH_RUN_NAME:-parity-podman-fresh}
mkdir -p "$OUT/runs"
T="$OUT/fresh-clone-transcript.txt"
: >"$T"
say() { echo "$*" | tee -a "$T"; }
# One command as the user types it: its line, its output, its exit status and wall time.
step() {
  say "\$ $*"
  local t0 rc
  t0=$(date +%s.%N)
  "$@" >>"$T" 2>&1
  rc=$?
  say "[exit $rc, $(python3 -c "print(round($(date +%s.%N) - $t0, 1))") s]"
  return $rc
}
say "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | head -1)"
say "# lent machine: no container engine and no registry; podman 4.3 and a CDI spec from ../shared/gpubox"
source "$box/setup-podman.sh" >>"$T" 2>&1 || { say "gpubox setup failed"; exit 1; }
rm -rf /tmp/fresh && mkdir -p /tmp/fresh && cd /tmp/fresh || exit 1
step git clone "$bundle" gpuparity || exit 1
cd gpuparity || exit 1
step git log --oneline -1
say "# Prerequisites (README): the driver, an engine that hands the GPU to a container"
step nvidia-smi -L
step podman --version
step grep -c 'nvidia.com/gpu' /etc/cdi/nvidia.yaml
say "# Build (README), for the H100 only"
step cmake --preset release -DCMAKE_CUDA_ARCHITECTURES=90 || exit 1
step cmake --build --preset release || { tail -40 "$T"; exit 1; }
step ls build/harness/gpuparity build/bench/gpuparity-bench
say "# lent machine: the CUDA runtime image a registry would give (nvidia/cuda:13.0.2-runtime-ubuntu24.04),"
say "# made from this machine's own libraries"
step bash "$box/make-base-image.sh" localhost/cuda-runtime:local build/bench/gpuparity-bench || exit 1
say "# The two commands, 1 (README): the prebuilt image, then the main job"
step images/build.sh --engine podman --runtime-image localhost/cuda-runtime:local --prebuilt-dir build prebuilt || exit 1
step build/harness/gpuparity run --runtime podman --image gpuparity/prebuilt:0.1.0 -o report.json
rc=$?
say "# Reading the result (README): the same summary from the report"
step build/harness/gpuparity report report.json --text -
say "# the run's exit status: $rc"
[ -f report.json ] || { say "# the run wrote no report.json"; exit 1; }
cp report.json "$OUT/runs/$name.report.json"
build/harness/gpuparity report report.json --html "$OUT/runs/$name.html" >/dev/null
exit $rc
