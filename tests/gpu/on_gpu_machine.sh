#!/bin/bash
# Run on the GPU machine (device tool) from the repository root: builds with LibTorch,
# runs every ctest label but `container`, then the measurements named as arguments:
#   smoke   : a default run of both programs
#   sweep   : STREAM launch-shape sweep
#   reps    : five repetitions of both programs, with their coefficients of variation
#   images  : podman (gpubox) builds every image from stand-in bases made of this
#             machine's own files, runs every workload inside with the GPU, and runs
#             the container tests (needs .gpubox carried; see ../shared/gpubox)
#   harness : ctest in the prebuilt build, then the four gpuparity runs whose reports are
#             committed under results/: native vs podman (default run), the same with
#             --cpus 0.05, podman --gpus all (no CDI), and native vs native (A/A)
#   gate    : a second full run, a baseline from it and the committed parity-podman run,
#             a third run with --baseline, and `gpuparity compare` timed
#   gate-long : one run gated on the committed baseline, budget $GPUPARITY_BUDGET (400 s)
#   parity-long : native vs podman alone, budget $GPUPARITY_BUDGET (default 400 s)
#   parity-aa : ctest in build-prebuilt, then the default native vs podman run and the A/A run
#   pair    : the default native vs podman run and the A/A run, without the ctest
#   settle  : (GPUPARITY_PINNED_CHECK=1: the pinned copies' buffer sets in 4 processes, first)
#             GPUPARITY_FAULTS=1: the fault matrix with podman (faults mode); then
#             the --cpus 0.5 run on the host-latency and startup cases (cpu-quota-half,
#             default budget or $GPUPARITY_QUOTA_BUDGET; leave it out with
#             GPUPARITY_QUOTA_RUN=0), then $GPUPARITY_REPEATS (default 5)
#             default native vs podman runs alternating with as many A/A runs
#             (parity-podman-N, aa-native-N, N from $GPUPARITY_FIRST, default 1;
#             GPUPARITY_AA_RUNS=0 leaves the A/A runs out, GPUPARITY_PARITY_RUNS=0 the
#             native vs podman ones; GPUPARITY_NODE_RUN=1 then runs
#             `gpuparity node` and a run --gpus by UUID, as in docker)
#   misconfig : the --cpus 0.05 run and the podman --gpus all run alone
#   aa-long : native vs native alone, budget $GPUPARITY_BUDGET (default 400 s)
#   docker  : the same with Docker 20.10 instead of podman (needs .gpubox-docker carried
#             instead of .gpubox: sh ../shared/gpubox/fetch-docker.sh .gpubox-docker, and
#             make-base-image.sh copied beside it). No NVIDIA Container Toolkit there, so
#             the GPU is passed by hand (docs/docker-without-toolkit.md): `--gpus all`
#             (refused: the audit names the toolkit), the container tests with docker (a
#             hung workload killed with its container, a missing image named), then
#             $GPUPARITY_REPEATS (default 2) default native vs docker runs alternating
#             with A/A runs (parity-docker-N, aa-native-N; GPUPARITY_AA_RUNS=0 leaves
#             them out), the node-wide cases natively (node-workloads); GPUPARITY_PINNED_CHECK=1
#             as in settle; GPUPARITY_FAULTS=1 then runs the fault matrix (faults mode) with
#             docker; GPUPARITY_NODE_RUN=1 then `gpuparity node` and a run --gpus by UUID
#   faults  : the audit's fault matrix (docs/audit.md): short native vs podman runs, each
#             with one misconfiguration a user could really have (environment, libraries,
#             device nodes, cgroups, rlimits and /dev/shm), reports fault-<name>; the GPU's
#             own settings (clocks, ECC, compute mode) are left alone on a lent machine;
#             GPUPARITY_FAULT_FILTER (a regular expression) picks faults by name;
#             gpu-shared runs a GEMM loop natively beside one run (the GPU's state class);
#             GPUPARITY_FAULT_ENGINE=docker runs it with docker (needs .gpubox-docker, as
#             docker mode) without docker mode's other runs; GPUPARITY_QUOTA_BUDGET gives
#             cgroup-cpus-quarter its own budget (default 20 s as the others)
#   template : native vs podman through --runtime custom (a --runtime-template naming podman
#             and its CDI device) on the STREAM and FMA cases, then the harness's container
#             tests with podman (the hung workload killed with its container)
# Run names get the suffix $GPUPARITY_RUN_SUFFIX (default none).
# gpuparity runs leave report, JUnit, Prometheus, HTML and console text in $OUT/runs.tgz.
#   profile : wall time per case family, and 8 processes each with --cpu-affinity inherit
#             and gpu: the between-process spread of the host-driven cases
#   node-workloads : the node-wide cases, peer/ (every ordered GPU pair) and nccl/ (one rank
#             per GPU), built with NCCL from the python package nvidia.nccl (PyTorch's
#             nvidia-nccl-cu12 wheel): node-workloads.json and a summary. One GPU: peer/ is
#             not_supported, nccl/ runs one rank.
# Logs and JSON go to $OUT (the device tool brings them back).
set -uo pipefail
# Never NVLink multicast (NVLS): a failed or killed multicast set-up has taken shared GPUs out
# of service until a reset. gpuparity-bench sets it for its NCCL ranks too.
export NCCL_NVLS_ENABLE=0
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
log() { echo "== $*" | tee -a "$OUT/summary.txt"; }
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,power.limit,temperature.gpu --format=csv | tee -a "$OUT/summary.txt"
# NCCL's header from PyTorch's nvidia-nccl wheel (a namespace package: __file__ may be None).
nccl_root=$(python3 -c 'import os, nvidia.nccl as m; print(os.path.dirname(m.__file__) if m.__file__ else list(m.__path__)[0])' 2>/dev/null)
if [ -z "${GPUPARITY_SKIP_BUILD:-}" ]; then  # images mode builds what it needs itself
torch_prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null)
log "configure (torch at ${torch_prefix:-none}, NCCL at ${nccl_root:-none})"
cmake -S . -B build-gpu -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DCMAKE_PREFIX_PATH="$torch_prefix" \
  ${nccl_root:+-DNCCL_ROOT="$nccl_root"} \
  >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
grep -E 'gpuparity' "$OUT/build.log" | tee -a "$OUT/summary.txt"
start=$(date +%s)
cmake --build build-gpu -j 16 >>"$OUT/build.log" 2>&1 || { grep -E 'error|FAILED' -A3 "$OUT/build.log" | head -60; exit 1; }
log "build: $(( $(date +%s) - start )) s"
(cd build-gpu && ctest -LE container --output-on-failure -j 1 >"$OUT/ctest.log" 2>&1); rc=$?
tail -8 "$OUT/ctest.log" | tee -a "$OUT/summary.txt"
[ $rc -eq 0 ] || grep -B2 -A30 'Failed\|FAILED' "$OUT/ctest.log" | head -80
fi
B=build-gpu/bench/gpuparity-bench
T=build-gpu/bench/torch/gpuparity-torch
now() { date +%s.%N; }
since() { python3 -c "print(round($(now) - $1, 1))"; }
gbs() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(" ".join("%.1f" % (b.get("bytes_per_second",0)/1e9) for b in d["benchmarks"]))'; }
# podman (gpubox) or, with argument docker, Docker (gpubox-docker), build-prebuilt (no
# LibTorch), the runtime stand-in made from this machine's files, and the prebuilt image
# on it; leaves its name in $tag.
prebuilt_image() {
  local engine=${1:-podman} box=.gpubox
  [ "$engine" = docker ] && box=.gpubox-docker
  source $box/setup-$engine.sh >>"$OUT/summary.txt" 2>&1 || { echo "gpubox $engine setup failed"; exit 1; }
  cmake -S . -B build-prebuilt -G Ninja -DCMAKE_CUDA_ARCHITECTURES=90 -DGPUPARITY_WITH_TORCH=OFF \
    -DGPUPARITY_WITH_NCCL=ON ${nccl_root:+-DNCCL_ROOT="$nccl_root"} >"$OUT/build-prebuilt.log" 2>&1 &&
    cmake --build build-prebuilt -j 16 >>"$OUT/build-prebuilt.log" 2>&1 || {
    # A build that fails with the nccl/ cases must not cost the call: log it, build without.
    grep -E 'error|FAILED' -A3 "$OUT/build-prebuilt.log" | head -40 | tee -a "$OUT/summary.txt"
    log "build-prebuilt failed with NCCL; again with -DGPUPARITY_WITH_NCCL=OFF"
    cmake -S . -B build-prebuilt -DGPUPARITY_WITH_NCCL=OFF >>"$OUT/build-prebuilt.log" 2>&1 &&
      cmake --build build-prebuilt -j 16 >>"$OUT/build-prebuilt.log" 2>&1 || { tail -30 "$OUT/build-prebuilt.log"; exit 1; }
  }
  local t0=$(now)
  ENGINE=$engine bash $box/make-base-image.sh localhost/cuda-runtime:local build-prebuilt/bench/gpuparity-bench \
    >>"$OUT/summary.txt" 2>&1
  log "runtime stand-in (make-base-image.sh, $engine): $(since $t0) s"
  t0=$(now)
  tag=$(images/build.sh --engine $engine --network none --tag-prefix localhost/gpuparity \
    --runtime-image localhost/cuda-runtime:local --prebuilt-dir build-prebuilt prebuilt 2>>"$OUT/images.log" | tail -1)
  log "prebuilt image $tag ($engine): $(since $t0) s"
}
# The pinned copies in 4 processes after the STREAM cases (the suite's order): each case's
# rate and its buffer sets' spread (copy_cases.cpp). Only with GPUPARITY_PINNED_CHECK=1.
pinned_check() {
  [ "${GPUPARITY_PINNED_CHECK:-0}" = 1 ] || return 0
  for i in 1 2 3 4; do
    build-prebuilt/bench/gpuparity-bench --benchmark_format=json --benchmark_filter='^(stream|copy)/' \
      2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("pinned check:", "  ".join("%s %.1f GB/s sets %.3f" % (b["run_name"].split("/")[1], b["bytes_per_second"] / 1e9,
      b.get("buffer_set_spread", 1)) for b in d["benchmarks"] if "pinned" in b["run_name"]))' | tee -a "$OUT/summary.txt"
  done
}
# The node-wide cases of gpuparity-bench $1 natively: peer/ (every ordered GPU pair) and nccl/
# (one rank per GPU), node-workloads.json and a summary.
node_workloads() {
  nvidia-smi topo -m 2>&1 | head -12 | tee -a "$OUT/summary.txt"
  grep -hE 'nccl/ cases|NCCL' "$OUT"/build*.log | tee -a "$OUT/summary.txt"
  t0=$(now)
  "$1" --benchmark_filter='^(peer|nccl)/' --benchmark_out="$OUT/node-workloads.json" \
    --benchmark_out_format=json >"$OUT/node-workloads.txt" 2>&1; rc=$?
  log "peer/ and nccl/ cases: rc=$rc wall $(since $t0) s"
  python3 - "$OUT/node-workloads.json" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys
d = json.load(open(sys.argv[1]))
for b in d["benchmarks"]:
    name = b["run_name"].split("/iterations")[0]
    if b.get("error_occurred"):
        print(f"{name:34} {b.get('error_message', '')[:110]}")
    elif "latency_seconds" in b:
        print(f"{name:34} {b['latency_seconds'] * 1e6:9.2f} us   {b.get('label', '')}")
    else:
        extra = ""
        if "busbw_bytes_per_second" in b:
            extra = f"busbw {b['busbw_bytes_per_second'] / 1e9:.1f} algbw {b['algbw_bytes_per_second'] / 1e9:.1f} GB/s"
        print(f"{name:34} {b['bytes_per_second'] / 1e9:9.1f} GB/s {extra} {b.get('label', '')}"
              f" case {b.get('case_seconds', 0):.1f} s")
PY
}
for what in "${@:-smoke}"; do
case $what in
smoke)
  t0=$(now)
  $B --benchmark_out="$OUT/bench.json" --benchmark_out_format=json >"$OUT/console.txt" 2>&1; rc=$?
  log "gpuparity-bench default run: rc=$rc wall $(since $t0) s"; tail -33 "$OUT/console.txt"
  if [ -x $T ]; then
    t0=$(now)
    $T --benchmark_out="$OUT/torch.json" --benchmark_out_format=json >>"$OUT/console.txt" 2>&1; rc=$?
    log "gpuparity-torch default run: rc=$rc wall $(since $t0) s"; tail -9 "$OUT/console.txt"
  fi
  ;;
sweep)
  for op in copy triad; do for h in streaming plain; do for u in 1 2 4 8; do
    for shape in "tiles 256" "tiles 512" "tiles 1024" "grid_stride 512"; do
      set -- $shape
      r=$($B --benchmark_filter="stream/$op" --stream-layout=$1 --stream-threads=$2 --stream-hints=$h \
          --stream-unroll=$u --benchmark_format=json 2>/dev/null | gbs)
      echo "$op layout=$1 threads=$2 hints=$h unroll=$u GB/s= $r" | tee -a "$OUT/sweep.txt"
    done; done; done; done
  for bytes in 256MiB 512MiB 2GiB; do
    echo "all ops default shape stream-bytes=$bytes GB/s= $($B --benchmark_filter=stream/ --stream-bytes=$bytes --benchmark_format=json 2>/dev/null | gbs)" | tee -a "$OUT/sweep.txt"
  done
  echo "best:"; sort -k7 -n -r "$OUT/sweep.txt" | head -12
  ;;
reps)
  t0=$(now)
  $B --benchmark_repetitions=5 --benchmark_out="$OUT/bench-reps.json" --benchmark_out_format=json >/dev/null 2>>"$OUT/console.txt"; rc=$?
  log "bench x5 repetitions: rc=$rc wall $(since $t0) s"
  [ -x $T ] && { $T --benchmark_repetitions=5 --benchmark_out="$OUT/torch-reps.json" --benchmark_out_format=json >/dev/null 2>>"$OUT/console.txt"; log "torch x5 rc=$?"; }
  python3 - "$OUT/bench-reps.json" "$OUT/torch-reps.json" <<'PY' | tee -a "$OUT/summary.txt"
import json, sys, os
for f in sys.argv[1:]:
    if not os.path.exists(f): continue
    for b in json.load(open(f))["benchmarks"]:
        if b.get("aggregate_name") != "cv": continue
        for k in ("bytes_per_second", "flop_per_second", "latency_seconds", "seconds"):
            if k in b: print("%-60s %-18s cv=%.2f%%" % (b["run_name"], k, 100 * b[k]))
PY
  ;;
images)
  prebuilt_image
  # Devel and PyTorch stand-in: this machine's own userland (CUDA toolkit, compilers,
  # CMake, Google Benchmark, CLI11, nlohmann/json, PyTorch), as an image.
  t0=$(now)
  tar -C / --one-file-system -c --exclude=./proc --exclude=./sys --exclude=./dev --exclude=./run \
    --exclude=./tmp --exclude=./var/tmp --exclude=./var/lib/containers --exclude=".$PWD" \
    --exclude=./usr/share/doc --exclude=./usr/share/man --exclude=./opt/nvidia \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/jax*' \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/cupy*' \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/onnx*' \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/pyarrow*' \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/tensorstore*' \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/cv2' \
    --exclude='./opt/torch/.venv/lib/python3*/site-packages/transformers' . 2>/dev/null |
    podman import --change "ENV PATH=$PATH" \
      --change "ENV LD_LIBRARY_PATH=/usr/local/nvidia/lib64:/usr/local/cuda/lib64" \
      --change "ENV CC=${CC:-cc}" --change "ENV CXX=${CXX:-c++}" - localhost/host-devel:local >/dev/null
  log "devel stand-in (this machine's userland): rc=$? $(since $t0) s"
  for img in cuda torch; do
    t0=$(now)
    images/build.sh --engine podman --network none --tag-prefix localhost/gpuparity \
      --build-image localhost/host-devel:local \
      --runtime-image localhost/cuda-runtime:local --torch-image localhost/host-devel:local \
      --cuda-architectures 90 $img >>"$OUT/images.log" 2>&1
    log "$img image: rc=$? $(since $t0) s"
  done
  podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | tee -a "$OUT/summary.txt"
  v=$(sed -n 's/^ *VERSION \([0-9.]*\)$/\1/p' CMakeLists.txt | head -1)
  for img in cuda prebuilt torch; do
    t0=$(now)
    podman run --rm --device nvidia.com/gpu=all localhost/gpuparity/$img:$v gpuparity-bench --benchmark_format=json \
      >"$OUT/container-$img-bench.json" 2>>"$OUT/images.log"
    log "gpuparity-bench in gpuparity/$img (podman, --device nvidia.com/gpu=all): rc=$? $(since $t0) s"
  done
  t0=$(now)
  podman run --rm --device nvidia.com/gpu=all localhost/gpuparity/torch:$v gpuparity-torch --benchmark_format=json \
    >"$OUT/container-torch-torch.json" 2>>"$OUT/images.log"
  log "gpuparity-torch in gpuparity/torch: rc=$? $(since $t0) s"
  (cd build-prebuilt && GPUPARITY_ENGINE=podman \
    GPUPARITY_TEST_IMAGES="localhost/gpuparity/cuda:$v,localhost/gpuparity/prebuilt:$v,localhost/gpuparity/torch:$v" \
    GPUPARITY_TEST_TORCH_IMAGES="localhost/gpuparity/torch:$v" ctest -L container --output-on-failure >>"$OUT/images.log" 2>&1)
  log "container tests with podman: rc=$?"
  grep -E "tests passed|tests failed" "$OUT/images.log" | tail -2
  ;;
harness|gate|gate-long|parity-long|parity-aa|pair|misconfig|aa-long|template|settle|docker|faults)
  if [ "$what" = docker ] || [ "$what/${GPUPARITY_FAULT_ENGINE:-}" = faults/docker ]; then
    prebuilt_image docker
  else
    prebuilt_image
  fi
  # The same build natively and in the image: build-prebuilt's gpuparity finds its
  # gpuparity-bench beside it, and the image carries that build's install.
  G=build-prebuilt/harness/gpuparity
  R="$OUT/runs"; mkdir -p "$R"
  # One gpuparity run: name, then its arguments; keeps the report, JUnit, Prometheus and HTML.
  gp() {
    local name=$1${GPUPARITY_RUN_SUFFIX:-}; shift
    local t0=$(now)
    $G run "$@" -o "$R/$name.report.json" --junit "$R/$name.junit.xml" --prom "$R/$name.prom" \
      >"$R/$name.txt" 2>"$R/$name.log"
    local rc=$?
    log "$name: rc=$rc wall $(since $t0) s ($*)"
    $G report "$R/$name.report.json" --html "$R/$name.html" >/dev/null
    grep -E "^(verdict|advice|telemetry|against|audit)" "$R/$name.txt"
    # After every run, so a call cut short still brings back the runs it finished.
    tar -C "$OUT" -czf "$OUT/runs.tgz.part" runs && mv "$OUT/runs.tgz.part" "$OUT/runs.tgz"
  }
  # `gpuparity node` on this machine's first GPU (selected by UUID), short budgets: its report,
  # each run's report beside it, JUnit, Prometheus and Markdown; then a plain run --gpus UUID.
  # For the one-GPU machine: docker's hand-made flags pass every /dev/nvidiaN, so on a node
  # of several GPUs each per-GPU run would see them all (use the toolkit's --gpus there).
  node_run() {
    local t0=$(now) uuid
    uuid=$(nvidia-smi --query-gpu=uuid --format=csv,noheader | head -1)
    $G node "$@" --gpus "$uuid" --budget 30 -o "$R/node.json" --junit "$R/node.junit.xml" \
      --prom "$R/node.prom" --markdown "$R/node.md" >"$R/node.txt" 2>"$R/node.log"
    log "node --gpus $uuid: rc=$? wall $(since $t0) s ($*)"
    head -30 "$R/node.txt" >>"$OUT/summary.txt"
    gp gpus-by-uuid "$@" --gpus "$uuid" --filter 'stream/copy|compute/fma' --budget 30
  }
  # The audit's fault matrix: one misconfiguration per run, on the cases it can touch, 20 s
  # of trials at most, with podman (CDI) or docker (the GPU by hand, docs/docker-without-
  # toolkit.md). The devices given by hand less /dev/nvidia-uvm make the missing-node fault.
  fault_runs() {
    local engine=$1 pre=fault
    local -a P=(--runtime "$engine" --image "$tag" --budget 20) gpu=() hand=() no_uvm=()
    mapfile -t hand < <(sh examples/docker-gpu-by-hand.sh)
    mapfile -t no_uvm < <(printf '%s\n' "${hand[@]}" | grep -v 'nvidia-uvm$')
    [ "$engine" = docker ] && { gpu=("${hand[@]}"); pre=fault-docker; }
    E() { echo "--container-arg=--env=$1"; }
    # One fault: its name (the report is $pre-NAME), then the run's arguments; only the faults
    # whose names match the regular expression $GPUPARITY_FAULT_FILTER (default all).
    fault() {
      local name=$1; shift
      [[ $name =~ ${GPUPARITY_FAULT_FILTER:-.} ]] || return 0
      gp "$pre-$name" "$@"
    }
    fault env-tf32-override "${P[@]}" "${gpu[@]}" --filter 'gemm/cublaslt/tf32' $(E NVIDIA_TF32_OVERRIDE=0)
    fault env-module-loading-eager "${P[@]}" "${gpu[@]}" --filter '^startup/' $(E CUDA_MODULE_LOADING=EAGER)
    fault env-launch-blocking "${P[@]}" "${gpu[@]}" --filter 'latency/(launch|graph_launch)' $(E CUDA_LAUNCH_BLOCKING=1)
    fault env-cuda-visible-devices "${P[@]}" "${gpu[@]}" --filter stream/copy $(E CUDA_VISIBLE_DEVICES=-1)
    fault lib-path-overridden "${P[@]}" "${gpu[@]}" --filter stream/copy $(E LD_LIBRARY_PATH=/opt/nothing)
    # A cuda-compat libcuda first on the loader's path: the toolkit's own compat folder, which
    # works over an older kernel module (forward compatibility) and fails over a newer one
    # (error 803); the summary says which this machine's is.
    local compat=/usr/local/cuda/compat
    if ls $compat/libcuda.so.* >/dev/null 2>&1; then
      log "cuda-compat: $(basename "$(ls $compat/libcuda.so.*.* | head -1)"), kernel module $(awk '/NVRM version/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+/) {print $i; exit}}' /proc/driver/nvidia/version)"
      fault lib-cuda-compat "${P[@]}" "${gpu[@]}" --filter stream/copy \
        --container-arg=--volume=$compat:/opt/cuda-compat:ro $(E LD_LIBRARY_PATH=/opt/cuda-compat:/usr/local/nvidia/lib64)
    fi
    fault dev-no-uvm "${P[@]}" --filter stream/copy "${no_uvm[@]}"
    fault dev-no-gpu-flags "${P[@]}" --filter stream/copy --no-gpu-flags
    [ "$engine" = podman ] && fault dev-podman-gpus-flag "${P[@]}" --filter stream/copy --no-gpu-flags \
      --container-arg=--gpus --container-arg=all
    # Long enough for the quota's few trials to decide (its fault run alone has a longer budget).
    fault cgroup-cpus-quarter --runtime "$engine" --image "$tag" --budget "${GPUPARITY_QUOTA_BUDGET:-20}" \
      "${gpu[@]}" --filter 'latency/(launch|memcpy_h2d_small)|^startup/' --cpus 0.25
    fault cgroup-memory-256m "${P[@]}" "${gpu[@]}" --filter 'copy/' --container-arg=--memory=256m
    fault cgroup-pids-16 "${P[@]}" "${gpu[@]}" --filter '^startup/' --container-arg=--pids-limit=16
    fault rlimit-nofile-16 "${P[@]}" "${gpu[@]}" --filter stream/copy --ulimit nofile=16:16
    # podman adds its own nproc limit, above the hard one, which crun cannot set without
    # CAP_SYS_RESOURCE (fault-rlimit-nofile-16 above, where it is refused). With nproc given
    # too, at a value crun may set (on the H100 machine it refused 100000 and more under a
    # shell hard limit of 515419, and set 1000), the open-file limit itself takes effect:
    # crun then runs out of descriptors setting the container up.
    [ "$engine" = podman ] && fault rlimit-nofile-16-nproc-1000 "${P[@]}" --filter stream/copy \
      --ulimit nproc=1000:1000 --ulimit nofile=16:16
    # 64 descriptors, the audit's threshold: on the H100 machine crun could not start the
    # container at 64 either (it did at 96, and stream/copy then passed).
    [ "$engine" = podman ] && fault rlimit-nofile-64-nproc-1000 "${P[@]}" --filter stream/copy \
      --ulimit nproc=1000:1000 --ulimit nofile=64:64
    fault rlimit-memlock-0 "${P[@]}" "${gpu[@]}" --filter 'copy/' --ulimit memlock=0:0
    fault shm-1m "${P[@]}" "${gpu[@]}" --filter 'stream/copy|latency/launch' --shm-size 1m
    # The GPU's state: another process computing on it through the run (one long-lived
    # gpuparity-bench repeating bf16 GEMMs natively, killed after, also if this script is).
    # The GPU's settings (compute mode, clocks, ECC) are left alone on a lent machine.
    if [[ gpu-shared =~ ${GPUPARITY_FAULT_FILTER:-.} ]]; then
      build-prebuilt/bench/gpuparity-bench --benchmark_filter=gemm/cublaslt/bf16/8192 \
        --benchmark_repetitions=100000 >/dev/null 2>&1 &
      local load=$!
      trap 'kill -9 '"$load"' 2>/dev/null' EXIT INT TERM
      sleep 5
      nvidia-smi --query-compute-apps=pid,process_name --format=csv,noheader >>"$OUT/summary.txt"
      fault gpu-shared "${P[@]}" "${gpu[@]}" --filter 'stream/copy|gemm/cublaslt/bf16/8192'
      kill -9 "$load" 2>/dev/null; wait "$load" 2>/dev/null
      trap - EXIT INT TERM
      for _ in 1 2 3 4 5 6 7 8 9 10; do  # the next run starts on an idle GPU
        [ -z "$(nvidia-smi --query-compute-apps=pid --format=csv,noheader)" ] && break
        sleep 1
      done
    fi
  }
  # The runs the harness issue asks for, in groups the modes below combine.
  prebuilt_ctest() {
    (cd build-prebuilt && ctest -LE container --output-on-failure >"$OUT/ctest.log" 2>&1)
    log "ctest (gpu and cpu labels, build-prebuilt): rc=$? $(grep -E 'tests passed|tests failed' "$OUT/ctest.log")"
  }
  misconfig_runs() {
    gp cpu-quota-podman --runtime podman --image "$tag" --cpus 0.05 --budget 240 \
      --filter 'latency/launch|latency/graph_launch|latency/memcpy_h2d_small'
    gp podman-gpus-flag --runtime podman --image "$tag" --no-gpu-flags --container-arg=--gpus \
      --container-arg=all --filter stream/copy
  }
  case $what in
  template)
    gp template-podman --runtime custom --image "$tag" --filter 'stream/|compute/' \
      --runtime-template "podman run --rm --name {name} --device nvidia.com/gpu=all {image} {command}"
    (cd build-prebuilt && GPUPARITY_ENGINE=podman GPUPARITY_TEST_IMAGES="$tag" \
      ctest -L container -R HarnessContainer --output-on-failure >"$OUT/container-ctest.log" 2>&1)
    log "harness container tests with podman: rc=$? $(grep -E 'tests passed|tests failed' "$OUT/container-ctest.log")"
    ;;
  docker)
    # Docker without the NVIDIA Container Toolkit: the GPU by hand, as the toolkit does
    # underneath (examples/docker-gpu-by-hand.sh, docs/docker-without-toolkit.md).
    mapfile -t hand < <(sh examples/docker-gpu-by-hand.sh)
    [ ${#hand[@]} -gt 0 ] || log "examples/docker-gpu-by-hand.sh found no GPU or driver"
    echo "by hand: ${hand[*]}" >>"$OUT/summary.txt"
    docker version --format 'docker client {{.Client.Version}} server {{.Server.Version}}' | tee -a "$OUT/summary.txt"
    pinned_check
    gp docker-gpus-all --runtime docker --image "$tag" --programs bench --filter stream/copy
    (cd build-prebuilt && GPUPARITY_ENGINE=docker GPUPARITY_TEST_IMAGES="$tag" \
      ctest -L container -R HarnessContainer --output-on-failure >"$OUT/container-ctest-docker.log" 2>&1)
    log "harness container tests with docker: rc=$? $(grep -E 'tests passed|tests failed' "$OUT/container-ctest-docker.log")"
    first=${GPUPARITY_FIRST:-1}
    for i in $(seq "$first" $((first + ${GPUPARITY_REPEATS:-2} - 1))); do
      gp "parity-docker-$i" --runtime docker --image "$tag" "${hand[@]}"
      [ "${GPUPARITY_AA_RUNS:-1}" = 0 ] || gp "aa-native-$i" --native-vs-native
    done
    node_workloads build-prebuilt/bench/gpuparity-bench
    [ "${GPUPARITY_FAULTS:-0}" = 1 ] && fault_runs docker
    [ "${GPUPARITY_NODE_RUN:-0}" = 1 ] && node_run --runtime docker --image "$tag" "${hand[@]}"
    ;;
  faults)
    fault_runs "${GPUPARITY_FAULT_ENGINE:-podman}"
    ;;
  aa-long)
    gp aa-native-long --native-vs-native --budget "${GPUPARITY_BUDGET:-400}"
    ;;
  misconfig)
    misconfig_runs
    ;;
  settle)
    pinned_check
    [ "${GPUPARITY_FAULTS:-0}" = 1 ] && fault_runs podman
    # The sensitivity run first (short: it ends once its metrics are decided), so a call cut
    # at its limit still has it; the default budget unless $GPUPARITY_QUOTA_BUDGET.
    [ "${GPUPARITY_QUOTA_RUN:-1}" = 0 ] || gp cpu-quota-half --runtime podman --image "$tag" \
      --cpus 0.5 ${GPUPARITY_QUOTA_BUDGET:+--budget "$GPUPARITY_QUOTA_BUDGET"} \
      --filter 'latency/launch|latency/graph_launch|latency/memcpy_h2d_small|startup/'
    first=${GPUPARITY_FIRST:-1}
    for i in $(seq "$first" $((first + ${GPUPARITY_REPEATS:-5} - 1))); do
      [ "${GPUPARITY_PARITY_RUNS:-1}" = 0 ] || gp "parity-podman-$i" --runtime podman --image "$tag"
      [ "${GPUPARITY_AA_RUNS:-1}" = 0 ] || gp "aa-native-$i" --native-vs-native
    done
    [ "${GPUPARITY_NODE_RUN:-0}" = 1 ] && node_run --runtime podman --image "$tag"
    ;;
  parity-aa|pair)
    [ "$what" = pair ] || prebuilt_ctest
    gp parity-podman --runtime podman --image "$tag"
    gp aa-native --native-vs-native
    ;;
  parity-long)
    gp parity-podman-long --runtime podman --image "$tag" --budget "${GPUPARITY_BUDGET:-400}"
    ;;
  gate-long)
    # One more run gated on the committed baseline, with a longer budget.
    gp gate-run-long --runtime podman --image "$tag" --budget "${GPUPARITY_BUDGET:-400}" \
      --baseline results/baselines/NVIDIA_H100_80GB_HBM3/baseline.json
    ;;
  harness)
    prebuilt_ctest
    gp parity-podman --runtime podman --image "$tag"
    misconfig_runs
    gp aa-native --native-vs-native
    ;;
  gate)
    # A baseline from two full runs (the committed parity-podman run and one more), then a
    # third run gated on it, and the same comparison by `gpuparity compare`.
    # 200 s runs: a default 120 s run gives about 5 trials per side, too few to show
    # "no regression" for the tensor-core GEMMs at a 2% margin.
    gp baseline-run-2 --runtime podman --image "$tag" --budget "${GPUPARITY_BUDGET:-200}"
    B="$OUT/baseline.json"
    $G baseline results/NVIDIA_H100_80GB_HBM3/runs/parity-podman.report.json \
      "$R/baseline-run-2.report.json" -o "$B" 2>&1 | tee -a "$OUT/summary.txt"
    gp gate-run --runtime podman --image "$tag" --baseline "$B" --budget "${GPUPARITY_BUDGET:-200}"
    t0=$(now)
    $G compare "$B" "$R/gate-run.report.json" -o "$R/gate-run.comparison.json" >"$R/gate-compare.md"
    log "gpuparity compare baseline gate-run: rc=$? wall $(since $t0) s"
    ;;
  esac
  tar -C "$OUT" -czf "$OUT/runs.tgz" runs && rm -rf "$R"
  ;;
node-workloads)
  node_workloads $B
  ;;
profile)
  echo "GPU local CPUs: $(cat /sys/bus/pci/devices/$(nvidia-smi --query-gpu=pci.bus_id --format=csv,noheader | tr A-Z a-z | sed 's/^0000//')/local_cpulist 2>/dev/null)" | tee -a "$OUT/summary.txt"
  nvidia-smi topo -m 2>&1 | head -8 | tee -a "$OUT/summary.txt"
  for fam in stream/ copy/ compute/ 'gemm/cublaslt/fp32' 'gemm/cublaslt/tf32' 'gemm/cublaslt/(fp16|bf16)' gemm/cublaslt/fp8 latency/ startup/; do
    t0=$(now); $B --benchmark_filter="$fam" --benchmark_format=json >/dev/null 2>&1
    log "profile $fam: rc=$? wall $(since $t0) s"
  done
  for aff in inherit gpu; do
    for i in 1 2 3 4 5 6 7 8; do
      $B --cpu-affinity=$aff --benchmark_filter='copy/|latency/(launch|graph|memcpy)' --benchmark_format=json 2>/dev/null |
        python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["context"].get("env_cpu_affinity"), " ".join("%s=%.4g" % (b["run_name"].split("/")[1], b.get("bytes_per_second",0)/1e9 or b.get("latency_seconds",0)*1e6) for b in d["benchmarks"]))' |
        tee -a "$OUT/affinity.txt"
    done
  done
  ;;
esac
done
