#!/bin/sh
# Installs what an image's build stage needs, and only what its base lacks: an offline
# base that already carries the tools (an air-gapped site's own, or a test stand-in)
# builds with no package registry at all. Ubuntu and Debian package names.
set -eu
need=""
command -v cmake >/dev/null 2>&1 || need="$need cmake"
command -v ninja >/dev/null 2>&1 || need="$need ninja-build"
command -v g++ >/dev/null 2>&1 || need="$need g++"
[ -e /usr/include/benchmark/benchmark.h ] || need="$need libbenchmark-dev"
[ -e /usr/include/CLI/CLI.hpp ] || need="$need libcli11-dev"
[ -e /usr/include/nlohmann/json.hpp ] || need="$need nlohmann-json3-dev"
if [ -n "$need" ]; then
  echo "install-build-deps: installing$need"
  apt-get update
  # shellcheck disable=SC2086  # a list of package names
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $need
  rm -rf /var/lib/apt/lists/*
else
  echo "install-build-deps: the base image has every build dependency"
fi
