#!/bin/bash
# Builds the gpuparity images with docker or podman and tags them gpuparity/<name>:<version>.
#   images/build.sh [options] [cuda] [torch] [prebuilt]      (default: cuda)
# Options (every base image is a --build-arg, so offline sites pass their own):
#   --engine docker|podman       container engine (default: docker if present, else podman)
#   --build-image IMAGE          CUDA devel base of the cuda image's build stage
#   --runtime-image IMAGE        CUDA runtime base of the cuda and prebuilt images
#   --torch-image IMAGE          PyTorch (CUDA devel) base of the torch image
#   --prebuilt-dir BUILD_DIR     a built CMake tree whose programs the prebuilt image carries
#   --cuda-architectures LIST    CMAKE_CUDA_ARCHITECTURES for images that compile
#   --network MODE               passed to the engine's build (e.g. host)
#   --tag-prefix PREFIX          image names PREFIX/<name> (default gpuparity)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
engine=""
prefix=gpuparity
common=()   # extra arguments for every build
declare -A arg=()
prebuilt_dir=""
images=()
die() { echo "images/build.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
  case $1 in
    --engine) engine=${2:?}; shift 2 ;;
    --build-image) arg[BUILD_IMAGE]=${2:?}; shift 2 ;;
    --runtime-image) arg[RUNTIME_IMAGE]=${2:?}; shift 2 ;;
    --torch-image) arg[TORCH_IMAGE]=${2:?}; shift 2 ;;
    --cuda-architectures) arg[CUDA_ARCHITECTURES]=${2:?}; shift 2 ;;
    --prebuilt-dir) prebuilt_dir=${2:?}; shift 2 ;;
    --network) common+=(--network "${2:?}"); shift 2 ;;
    --tag-prefix) prefix=${2:?}; shift 2 ;;
    cuda|torch|prebuilt) images+=("$1"); shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
done
[ ${#images[@]} -gt 0 ] || images=(cuda)
if [ -z "$engine" ]; then
  if command -v docker >/dev/null; then engine=docker
  elif command -v podman >/dev/null; then engine=podman
  else die "neither docker nor podman is on PATH; install one or pass --engine"; fi
fi
command -v "$engine" >/dev/null || die "container engine '$engine' is not on PATH"

version=$(sed -n 's/^ *VERSION \([0-9.]*\)$/\1/p' "$root/CMakeLists.txt" | head -1)
revision=${GPUPARITY_GIT_REVISION:-$(git -C "$root" rev-parse --verify -q HEAD 2>/dev/null || true)}
[[ $revision =~ ^[0-9a-zA-Z._-]+$ ]] || revision=unknown
created=$(date -u +%Y-%m-%dT%H:%M:%SZ)

build() {  # build NAME DOCKERFILE ARG_NAMES...
  local name=$1 file=$2; shift 2
  local tag="$prefix/$name:$version" args=()
  for a in "$@"; do [ -n "${arg[$a]:-}" ] && args+=(--build-arg "$a=${arg[$a]}"); done
  args+=(--build-arg "VERSION=$version" --build-arg "REVISION=$revision" --build-arg "CREATED=$created")
  echo "images/build.sh: $engine build $tag from images/$file" >&2
  local start=$SECONDS
  "$engine" build "${common[@]}" "${args[@]}" -f "$here/$file" -t "$tag" "$root"
  echo "images/build.sh: built $tag in $((SECONDS - start)) s" >&2
  echo "$tag"
}

# The nccl/ cases load NCCL at run time (bench/nccl_rank.cpp): natively the library configure
# found (e.g. PyTorch's nvidia-nccl wheel), by its path. That same file goes beside the
# programs, where the container side finds it through their RUNPATH ($ORIGIN/../lib) before
# any NCCL the runtime base has. Nothing when the tree was built without nccl/ cases.
stage_nccl() {
  local cache="$1/CMakeCache.txt" lib
  # Built with nccl/ cases: the program lists them (it needs no GPU for that).
  "$1/bench/gpuparity-bench" --benchmark_list_tests 2>/dev/null | grep -q '^nccl/' || return 0
  lib=$(sed -n 's/^GPUPARITY_NCCL_LIBRARY:FILEPATH=//p' "$cache" 2>/dev/null)
  case $lib in
    ""|*-NOTFOUND) echo "build.sh: no NCCL library in $1; the image's nccl/ cases use the base's, if any" >&2 ;;
    *) cp -L "$lib" "$2/lib/libnccl.so.2" || die "could not copy $lib into the image's lib/"
       echo "stage-libs: $lib (as lib/libnccl.so.2)" >&2 ;;
  esac
}

for image in "${images[@]}"; do
  case $image in
    cuda) build cuda cuda.Dockerfile BUILD_IMAGE RUNTIME_IMAGE CUDA_ARCHITECTURES ;;
    torch) build torch torch.Dockerfile TORCH_IMAGE CUDA_ARCHITECTURES ;;
    prebuilt)
      [ -n "$prebuilt_dir" ] || die "the prebuilt image needs --prebuilt-dir BUILD_DIR (a built tree)"
      [ -x "$prebuilt_dir/bench/gpuparity-bench" ] || die "$prebuilt_dir/bench/gpuparity-bench is missing: build the tree first"
      stage="$here/.prebuilt"
      rm -rf "$stage"
      cmake --install "$prebuilt_dir" --prefix "$stage" >/dev/null
      sh "$here/stage-libs.sh" "$stage" --with-cxx-runtime >&2
      stage_nccl "$prebuilt_dir" "$stage"
      printf 'version=%s\nrevision=%s\ncreated=%s\n' "$version" "$revision" "$created" > "$stage/BUILD_INFO"
      build prebuilt prebuilt.Dockerfile RUNTIME_IMAGE
      ;;
  esac
done
