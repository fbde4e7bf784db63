#pragma once
// A fake docker/podman for the cpu tests of GPU selection (gpus_cli_test, node_cli_test):
// it runs tests/data/fake_bench.py (GPUPARITY_FAKE_BENCH) as the image's program and, as the
// NVIDIA toolkit does, numbers GPUs as nvidia-smi does and hides all but the selected one.
namespace gpuparity::test {

// Skips to the image (FAKE_IMAGE), taking the GPU from --gpus device=SEL (docker) or
// --device nvidia.com/gpu=SEL (podman CDI); FAKE_IGNORES_SELECTION=1 makes it an engine that
// passes every GPU whatever it is asked; FAKE_HIDES=UUID one that never gives the container
// that GPU; FAKE_CONTAINER_PEER=LINK the link the container's peer cases report
// (tests/data/fake_bench.py's GPUPARITY_FAKE_PEER).
inline const char* const fake_gpu_engine = R"(#!/bin/sh
case "$1" in
  --version) echo "fake-engine.real version 1.0.2, build f00d"; exit 0 ;;
  image) echo "sha256:fake []"; exit 0 ;;
  kill) exit 0 ;;
esac
shift
sel=all
while [ "$1" != "$FAKE_IMAGE" ]; do
  case "$1" in
    --gpus) sel=${2#device=}; shift ;;
    --device) sel=${2#nvidia.com/gpu=}; shift ;;
  esac
  shift
done
shift
[ "$1" = true ] && exit 0
shift
[ -n "$FAKE_IGNORES_SELECTION" ] && sel=all
if [ -n "$FAKE_HIDES" ]; then
  GPUPARITY_FAKE_GPUS=$(echo "$GPUPARITY_FAKE_GPUS" | tr , '\n' | grep -v "$FAKE_HIDES" | paste -sd, -)
fi
[ -n "$FAKE_CONTAINER_PEER" ] && export GPUPARITY_FAKE_PEER="$FAKE_CONTAINER_PEER"
if [ "$sel" != all ]; then
  i=0; found=
  for g in $(echo "$GPUPARITY_FAKE_GPUS" | tr , ' '); do
    if [ "$sel" = "$i" ] || [ "$sel" = "$g" ]; then found=$g; fi
    i=$((i + 1))
  done
  [ -n "$found" ] || { echo "unresolvable CDI devices nvidia.com/gpu=$sel" >&2; exit 125; }
  GPUPARITY_FAKE_GPUS=$found
fi
unset CUDA_VISIBLE_DEVICES CUDA_DEVICE_ORDER
GPUPARITY_FAKE_GPUS=$GPUPARITY_FAKE_GPUS GPUPARITY_FAKE_MNT_NS='mnt:[fake]' \
  exec "$GPUPARITY_FAKE_BENCH" "$@"
)";

}  // namespace gpuparity::test
