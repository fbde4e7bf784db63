#!/usr/bin/env bash
# The cpu part of CI on a machine that has nothing installed: a fresh clone of this
# repository's commit (HEAD, or the one given) runs `GPUPARITY_CI_STAGES=cpu bash .ci/run`
# inside a new Debian 12 root made by debootstrap, so a test that only passes because this
# machine has something installed fails here. Run it before a stop that changes
# dependencies or tests.
#
#   bash tests/ci/clean_room.sh [--no-host-cuda] [COMMIT]
#
# CI's machine comes with the CUDA toolkit in /usr/local/cuda, so by default this
# machine's toolkit is mounted there read-only; --no-host-cuda leaves it out, and .ci/run
# then installs Debian's nvidia-cuda-toolkit. Uncommitted changes are not tested.
# Needs root and Debian's mirror; installs debootstrap and docker.io when missing, and
# starts dockerd when none runs. Log: the container's output, on stdout.
set -euo pipefail
repo=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
host_cuda=1
commit=HEAD
for arg in "$@"; do
  case "$arg" in
    --no-host-cuda) host_cuda=0 ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "clean_room: unknown option $arg (see --help)" >&2; exit 2 ;;
    *) commit=$arg ;;
  esac
done
commit=$(git -C "$repo" rev-parse --verify "$commit^{commit}")
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
export DEBIAN_FRONTEND=noninteractive

command -v debootstrap >/dev/null ||
  { apt-get update -qq && apt-get install -y -qq --no-install-recommends debootstrap >/dev/null; }
bash "$repo/tests/ci/start_docker.sh"

work=$(mktemp -d /tmp/gpuparity-clean-room.XXXX)
tag="gpuparity-clean-room:$$"
cleanup() { docker rmi -f "$tag" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

echo "clean_room: debootstrap bookworm (minbase) into $work/root"
debootstrap --variant=minbase bookworm "$work/root" "$mirror" >"$work/debootstrap.log" 2>&1 ||
  { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$work"/root/var/cache/apt/archives/*.deb
tar -C "$work/root" -c . | docker import - "$tag" >/dev/null
rm -rf "$work/root"

git clone --quiet --no-local --no-checkout "$repo" "$work/src"
git -C "$work/src" checkout --quiet "$commit"
echo "clean_room: a fresh clone at $(git -C "$work/src" log -1 --format='%h %s')"

mounts=(-v "$work/src:/src")
if [ "$host_cuda" = 1 ] && [ -x /usr/local/cuda/bin/nvcc ]; then
  mounts+=(-v "$(readlink -f /usr/local/cuda):/usr/local/cuda:ro")
  echo "clean_room: this machine's CUDA toolkit mounted at /usr/local/cuda (as on CI's machine)"
fi
start=$(date +%s)
set +e
docker run --rm --network host "${mounts[@]}" -w /src -e CI=true -e GPUPARITY_CI_STAGES=cpu \
  "$tag" bash .ci/run
rc=$?
set -e
echo "clean_room: .ci/run (cpu stages) exited $rc after $(( $(date +%s) - start )) s"
exit "$rc"
