#!/usr/bin/env bash
# A real Slurm cluster on this one machine runs examples/slurm/gpuparity.sbatch, and the
# fleet it merges names the planted nodes. Debian's slurmctld, slurmd and munged, started
# here with their own files in a temporary folder; six nodes n1..n6, each slurmd in its own
# network namespace (its own address, the same port) and UTS namespace (its own hostname,
# which the reports carry), joined by a bridge in the controller's namespace. Every node
# runs `gpuparity run --native-vs-native` on two fake GPUs with tests/data/fake_bench.py
# replaying the H100 recording; n3's rates are 20% lower on both sides (an outlier node),
# n5's workload exits with an error. Everything started here is stopped on exit.
#
#   slurm_fleet.sh --gpuparity EXE --sbatch-script FILE --fake-bench FILE --recorded FILE
#
# Needs root (namespaces, daemons as root) and slurmctld, slurmd, slurm-client, munge,
# iproute2 (Debian: slurmctld slurmd slurm-client munge iproute2). Exit 77: not root.
set -euo pipefail
while [ $# -gt 0 ]; do
  case "$1" in
    --gpuparity) gpuparity=$2 ;;
    --sbatch-script) sbatch_script=$2 ;;
    --fake-bench) fake_bench=$2 ;;
    --recorded) recorded=$2 ;;
    *) echo "slurm_fleet: unknown argument $1" >&2; exit 2 ;;
  esac
  shift 2
done
[ "$(id -u)" = 0 ] || { echo "slurm_fleet: needs root (network namespaces, daemons)"; exit 77; }
for tool in slurmctld slurmd sbatch scontrol sinfo munged ip nsenter unshare setpriv python3; do
  command -v "$tool" >/dev/null || { echo "slurm_fleet: $tool not found"; exit 1; }
done
# A container started without privileges (Docker's defaults, as tests/ci/clean_room.sh runs)
# may not create namespaces: say so instead of failing further on.
unshare --net --uts true || {
  echo "slurm_fleet: cannot create network and UTS namespaces here (unshare: not permitted)"
  exit 1
}
# A run killed by SIGKILL (no trap) leaves its namespaces and job steps (its daemons die
# with it, by --pdeathsig): remove those of runs whose script is gone.
for ns in $(ip netns list | sed -n 's/^\(gpp[0-9]*-[a-z0-9]*\).*/\1/p'); do
  owner=${ns#gpp}
  owner=${owner%%-*}
  kill -0 "$owner" 2>/dev/null && continue
  echo "slurm_fleet: removing $ns, left by a run (pid $owner) that was killed"
  ip netns pids "$ns" | xargs -r kill -9 2>/dev/null || true
  ip netns del "$ns" || true
done
for dir in /tmp/gpuparity-slurm.*.*; do
  owner=${dir#/tmp/gpuparity-slurm.}
  owner=${owner%%.*}
  if [ -d "$dir" ] && ! kill -0 "$owner" 2>/dev/null; then rm -rf "$dir"; fi
done
start=$(date +%s)
nodes=(n1 n2 n3 n4 n5 n6)
outlier=n3
failing=n5
tag=gpp$$  # namespace names: unique per run, so runs side by side do not meet
work=$(mktemp -d "/tmp/gpuparity-slurm.$$.XXXX")
pids=()
namespaces=()

cleanup() {
  local rc=$? pid i
  trap - EXIT INT TERM
  if [ "$rc" -ne 0 ] && [ -n "${job:-}" ]; then ctl_run scontrol show job "$job" || true; fi
  if [ "$rc" -ne 0 ] && [ -d "$work/log" ]; then
    for f in "$work"/log/*; do echo "--- $f (last lines)"; tail -15 "$f"; done
  fi
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for i in $(seq 50); do  # 10 s for the daemons to stop, then SIGKILL
    local alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.2
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  # Job steps the daemons left (slurmstepd runs in a node's namespaces): none may outlive us.
  for ns in "${namespaces[@]}"; do
    ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "$work"
  echo "slurm_fleet: exit $rc after $(($(date +%s) - start)) s"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS WHAT COMMAND...: poll COMMAND every 0.2 s until it succeeds.
wait_for() {
  local limit=$1 what=$2
  shift 2
  local until=$(($(date +%s) + limit))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$until" ] || { echo "slurm_fleet: no $what after $limit s"; return 1; }
    sleep 0.2
  done
}

# The network: the controller's namespace holds a bridge (10.77.0.1); each node's namespace
# a veth to it (10.77.0.1x). The machine's own network is not touched.
ctl=$tag-ctl
ip netns add "$ctl"
namespaces+=("$ctl")
ip -n "$ctl" link set lo up
ip -n "$ctl" link add br0 type bridge
ip -n "$ctl" addr add 10.77.0.1/24 dev br0
ip -n "$ctl" link set br0 up
for i in "${!nodes[@]}"; do
  n=${nodes[$i]}
  ip netns add "$tag-$n"
  namespaces+=("$tag-$n")
  ip -n "$tag-$n" link set lo up
  ip -n "$ctl" link add "v$n" type veth peer name eth0 netns "$tag-$n"
  ip -n "$ctl" link set "v$n" master br0 up
  ip -n "$tag-$n" addr add "10.77.0.$((11 + i))/24" dev eth0
  ip -n "$tag-$n" link set eth0 up
done

# munge, with its own key and socket.
mkdir -m 0700 "$work/munge" "$work/log" "$work/state" "$work/spool" "$work/shared"
dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chmod 0400 "$work/munge/munge.key"
# Every daemon gets SIGKILL when this script dies without its trap (ctest's timeout kills it).
setpriv --pdeathsig KILL munged --foreground --force --key-file "$work/munge/munge.key" \
  --socket "$work/munge/socket" \
  --pid-file "$work/munge/munged.pid" --seed-file "$work/munge/seed" \
  --log-file "$work/log/munged.log" >/dev/null 2>&1 &
pids+=($!)
wait_for 10 "munge socket" test -S "$work/munge/socket"

conf=$work/slurm.conf
{
  cat <<EOF
ClusterName=gpptest
SlurmctldHost=ctl(10.77.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$work/munge/socket
CredType=cred/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool/%n
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.%n.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.%n.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
SwitchType=switch/none
MpiDefault=none
SelectType=select/linear
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SlurmdParameters=config_overrides
ReturnToService=2
MinJobAge=600
KillWait=5
EOF
  for i in "${!nodes[@]}"; do
    echo "NodeName=${nodes[$i]} NodeAddr=10.77.0.$((11 + i)) CPUs=1 State=UNKNOWN"
  done
  echo "PartitionName=test Nodes=n[1-6] Default=YES MaxTime=INFINITE State=UP"
} >"$conf"
export SLURM_CONF=$conf

# Each daemon in its namespaces, its hostname set there: slurmctld checks that it runs on
# SlurmctldHost, and gpuparity's reports name the node by its hostname. nsenter, not
# `ip netns exec`: that mounts a fresh /sys, without the cgroup mounts slurmd must find.
in_ns() {  # in_ns NAMESPACE HOSTNAME COMMAND...: exec COMMAND there
  local ns=$1 host=$2
  shift 2
  # shellcheck disable=SC2016  # expanded by that sh
  exec setpriv --pdeathsig KILL nsenter --net="/run/netns/$ns" unshare --uts -- \
    sh -c 'hostname "$0" && exec "$@"' "$host" "$@"
}
(in_ns "$ctl" ctl slurmctld -D -f "$conf" >/dev/null 2>&1) &
pids+=($!)
for n in "${nodes[@]}"; do
  mkdir -p "$work/spool/$n"
  (in_ns "$tag-$n" "$n" slurmd -D -N "$n" -f "$conf" >/dev/null 2>&1) &
  pids+=($!)
done
ctl_run() { nsenter --net="/run/netns/$ctl" "$@"; }
all_idle() { [ "$(ctl_run sinfo -h -N -t idle -o %N | sort -u | wc -l)" -eq "${#nodes[@]}" ]; }
wait_for 60 "six idle nodes" all_idle
ctl_run sinfo -N

# The fake workload: one script for every node, which plants the outlier and the failure by
# the node's hostname, as a real fleet would have them by the node's hardware.
bench=$work/bench.sh
cat >"$bench" <<EOF
#!/bin/sh
case "\$(hostname)" in
  $outlier) export GPUPARITY_FAKE_RATE_SCALE=0.8 ;;
  $failing) echo "fake workload on \$(hostname): CUDA error: uncorrectable ECC error" >&2; exit 1 ;;
esac
node=\$(hostname | tr -dc 0-9)
export GPUPARITY_FAKE_GPUS=GPU-0000000\$node-0000-0000-0000-000000000000,GPU-0000000\$node-0000-0000-0000-000000000001
export GPUPARITY_RECORDED_OUTPUT=$recorded
exec python3 $fake_bench "\$@"
EOF
chmod 0755 "$bench"

# The example, as a user submits it: its arguments are the run's options.
shared=$work/shared
job=$(GPUPARITY="$gpuparity" GPUPARITY_SHARED="$shared" GPUPARITY_GPUS="0 1" \
  ctl_run sbatch --parsable --time=10 -N "${#nodes[@]}" -o "$work/log/job.out" "$sbatch_script" \
  --native-vs-native --bench "$bench" --programs bench --min-trials 2 --budget 30 \
  --processes-per-trial 0 --no-telemetry)
echo "slurm_fleet: job $job submitted after $(($(date +%s) - start)) s"
job_done() { ctl_run scontrol show job "$job" | grep -Eq 'JobState=(COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL)'; }
wait_for "${GPUPARITY_SLURM_JOB_SECONDS:-300}" "end of job $job" job_done
state=$(ctl_run scontrol show job "$job" | grep -Eo 'JobState=[A-Z_]+ .*|ExitCode=[0-9:]+' | tr '\n' ' ')
echo "slurm_fleet: job $job: $state after $(($(date +%s) - start)) s"
cat "$work/log/job.out"

# What the fleet says: the outlier node named, the failing node in error, the rest fine, and
# the job's exit code the fleet's (4: a node in error).
python3 - "$shared" "$outlier" "$failing" "$state" "${nodes[@]}" <<'EOF'
import json, os, sys
shared, outlier, failing, state, nodes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:]
fleet = json.load(open(os.path.join(shared, "fleet.json")))
assert "ExitCode=4:0" in state, state
assert fleet["verdict"] == "error", fleet["verdict"]
by_node = {}
for n in fleet["nodes"]:
    by_node.setdefault(n["node"], []).append(n)
assert sorted(by_node) == sorted(nodes), sorted(by_node)
for node, entries in by_node.items():
    assert len(entries) == 2, (node, len(entries))  # one per GPU
    if node != failing:  # a run that measured nothing has no GPU to name
        assert len({e["gpu_uuid"] for e in entries}) == 2, entries
    for e in entries:
        if node == failing:
            assert e["verdict"] == "error", (node, e["verdict"])
            assert "ECC" in e["reason"], e["reason"]
        else:
            assert e["verdict"] == "parity", (node, e["verdict"], e["reason"])
        assert not e["duplicate"], (node, e["source"])
        assert bool(e.get("outlier_metrics")) == (node == outlier), (node, e.get("outlier_metrics"))
for f in ("fleet.md", "fleet.html", "fleet.junit.xml", "fleet.prom"):
    assert os.path.getsize(os.path.join(shared, f)) > 0, f
print("slurm_fleet: fleet verdict", fleet["verdict"], "; outlier", outlier,
      sorted(by_node[outlier][0]["outlier_metrics"])[:3], "...; error", failing)
EOF
