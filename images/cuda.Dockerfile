# gpuparity CUDA workloads image: gpuparity-bench (and the gpuparity harness) built on a
# CUDA devel image, shipped on the matching runtime image. Build with images/build.sh (or docker/podman build from the
# repository root: -f images/cuda.Dockerfile .). Offline sites pass their own bases:
#   --build-arg BUILD_IMAGE=... --build-arg RUNTIME_IMAGE=...
ARG BUILD_IMAGE=nvidia/cuda:13.0.2-devel-ubuntu24.04
ARG RUNTIME_IMAGE=nvidia/cuda:13.0.2-runtime-ubuntu24.04

FROM ${BUILD_IMAGE} AS build
ARG CUDA_ARCHITECTURES="80-real;90-real;100-real;120"
ARG REVISION=unknown
COPY images/install-build-deps.sh /tmp/install-build-deps.sh
RUN sh /tmp/install-build-deps.sh
COPY CMakeLists.txt CMakePresets.json /src/
COPY cmake /src/cmake
COPY kernels /src/kernels
COPY bench /src/bench
COPY harness /src/harness
# What `cmake --install` carries beside the programs (cmake/install.cmake, packaging.cmake).
COPY LICENSE README.md CHANGELOG.md /src/
COPY share /src/share
COPY examples /src/examples
COPY results/schema /src/results/schema
COPY results/baselines /src/results/baselines
RUN GPUPARITY_GIT_REVISION="${REVISION}" cmake -S /src -B /build -G Ninja \
      -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHITECTURES}" \
      -DGPUPARITY_WITH_TORCH=OFF -DGPUPARITY_BUILD_TESTS=OFF \
 && cmake --build /build \
 && cmake --install /build --prefix /opt/gpuparity
# Shared libraries the runtime image lacks (Google Benchmark's) go beside the programs.
COPY images/stage-libs.sh /tmp/stage-libs.sh
RUN sh /tmp/stage-libs.sh /opt/gpuparity

FROM ${RUNTIME_IMAGE}
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/gpuparity/gpuparity
LABEL org.opencontainers.image.title="gpuparity-cuda" \
      org.opencontainers.image.description="gpuparity CUDA and cuBLASLt workloads" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
COPY --from=build /opt/gpuparity /opt/gpuparity
RUN printf 'version=%s\nrevision=%s\ncreated=%s\n' "${VERSION}" "${REVISION}" "${CREATED}" \
      > /opt/gpuparity/BUILD_INFO
ENV PATH=/opt/gpuparity/bin:/usr/local/nvidia/bin:/usr/local/cuda/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 10001:10001
CMD ["gpuparity-bench"]
