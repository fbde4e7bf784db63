# gpuparity LibTorch image: gpuparity-torch (and gpuparity-bench) built against the
# LibTorch of a PyTorch image, and run in that same image: PyTorch's CUDA libraries live
# inside its Python environment, so the programs stay where they were linked.
#   --build-arg TORCH_IMAGE=<a PyTorch CUDA devel image, or a site's own>
ARG TORCH_IMAGE=pytorch/pytorch:2.9.1-cuda13.0-cudnn9-devel
FROM ${TORCH_IMAGE}
ARG CUDA_ARCHITECTURES="80-real;90-real;100-real;120"
ARG VERSION=0.0.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=https://github.com/gpuparity/gpuparity
LABEL org.opencontainers.image.title="gpuparity-torch" \
      org.opencontainers.image.description="gpuparity LibTorch and CUDA workloads" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}"
COPY images/install-build-deps.sh /tmp/install-build-deps.sh
RUN sh /tmp/install-build-deps.sh
COPY CMakeLists.txt CMakePresets.json /tmp/gpuparity-src/
COPY cmake /tmp/gpuparity-src/cmake
COPY kernels /tmp/gpuparity-src/kernels
COPY bench /tmp/gpuparity-src/bench
COPY harness /tmp/gpuparity-src/harness
# What `cmake --install` carries beside the programs (cmake/install.cmake, packaging.cmake).
COPY LICENSE README.md CHANGELOG.md /tmp/gpuparity-src/
COPY share /tmp/gpuparity-src/share
COPY examples /tmp/gpuparity-src/examples
COPY results/schema /tmp/gpuparity-src/results/schema
COPY results/baselines /tmp/gpuparity-src/results/baselines
# LibTorch from the image's Python torch if it has one, else wherever CMake finds it.
RUN prefix=$(python3 -c 'import torch; print(torch.utils.cmake_prefix_path)' 2>/dev/null || true) \
 && GPUPARITY_GIT_REVISION="${REVISION}" cmake -S /tmp/gpuparity-src -B /tmp/gpuparity-build \
      -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CUDA_ARCHITECTURES="${CUDA_ARCHITECTURES}" \
      -DCMAKE_PREFIX_PATH="${prefix}" -DGPUPARITY_WITH_TORCH=ON -DGPUPARITY_BUILD_TESTS=OFF \
 && cmake --build /tmp/gpuparity-build \
 && test -x /tmp/gpuparity-build/bench/torch/gpuparity-torch \
 && cmake --install /tmp/gpuparity-build --prefix /opt/gpuparity \
 && printf 'version=%s\nrevision=%s\ncreated=%s\n' "${VERSION}" "${REVISION}" "${CREATED}" \
      > /opt/gpuparity/BUILD_INFO \
 && rm -rf /tmp/gpuparity-src /tmp/gpuparity-build
ENV PATH=/opt/gpuparity/bin:${PATH}
USER 10001:10001
CMD ["gpuparity-torch"]
