# gpuparity "prebuilt" image, for air-gapped sites: programs built on the host, copied
# onto any CUDA runtime base image the site has. images/build.sh --prebuilt BUILD_DIR
# installs BUILD_DIR into images/.prebuilt/ (programs and the libraries the base lacks)
# and builds this file with --build-arg RUNTIME_IMAGE=<the site's CUDA runtime image>.
ARG RUNTIME_IMAGE=nvidia/cuda:13.0.2-runtime-ubuntu24.04
FROM ${RUNTIME_IMAGE}
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/gpuparity/gpuparity
LABEL org.opencontainers.image.title="gpuparity-prebuilt" \
      org.opencontainers.image.description="gpuparity workloads built on the host" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
COPY images/.prebuilt/ /opt/gpuparity/
ENV PATH=/opt/gpuparity/bin:/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 10001:10001
CMD ["gpuparity-bench"]
