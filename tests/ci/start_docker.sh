#!/usr/bin/env bash
# Makes sure a Docker engine answers: installs Debian's docker.io when there is no daemon
# binary and starts dockerd in the background when none runs (CI's machine starts none).
# The daemon's log: /tmp/dockerd.log.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
(dockerd >/tmp/dockerd.log 2>&1 &)
for _ in $(seq 60); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done
tail -20 /tmp/dockerd.log >&2
echo "start_docker: dockerd did not answer within 60 s (log above: /tmp/dockerd.log)" >&2
exit 1
