# Debian packages through CPack: `cpack -G DEB` in the build folder (docs/install.md).
#   gpuparity            the harness: bin/gpuparity, schemas, baselines, docs, man page,
#                        bash completion. Links no CUDA: libc6, libstdc++6, libgcc-s1 only.
#   gpuparity-workloads  gpuparity-bench (and gpuparity-torch where it was built); depends on
#                        the CUDA runtime and cuBLAS it linked.
# Depends come from dpkg-shlibdeps (every shared library a dpkg package owns), plus
# GPUPARITY_DEB_CUDA_DEPENDS for a CUDA toolkit that no dpkg package owns (a runfile install
# at /usr/local/cuda): by default the names NVIDIA's apt repository gives the runtime and
# cuBLAS of the toolkit's version (cuda-cudart-13-0, libcublas-13-0), which its
# nvidia/cuda runtime images have installed.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME gpuparity)
set(CPACK_PACKAGE_VENDOR gpuparity)
set(CPACK_PACKAGE_CONTACT "gpuparity maintainers <gpuparity@users.noreply.github.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_RESOURCE_FILE_LICENSE "${PROJECT_SOURCE_DIR}/LICENSE")
set(CPACK_PACKAGE_DIRECTORY "${PROJECT_BINARY_DIR}/packages")
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL harness workloads)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "https://github.com/gpuparity/gpuparity")
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

set(CPACK_DEBIAN_HARNESS_PACKAGE_NAME gpuparity)
# The long descriptions; CPack puts CPACK_PACKAGE_DESCRIPTION_SUMMARY above them.
set(CPACK_DEBIAN_HARNESS_DESCRIPTION "The gpuparity harness (no CUDA)
gpuparity runs the workload programs natively and in a container, judges parity per
metric, gates on a baseline and renders JUnit, Prometheus, Markdown and HTML. It links
no CUDA; the workload programs are in gpuparity-workloads.")
set(CPACK_DEBIAN_HARNESS_PACKAGE_SUGGESTS gpuparity-workloads)

set(CPACK_DEBIAN_WORKLOADS_PACKAGE_NAME gpuparity-workloads)
set(CPACK_DEBIAN_WORKLOADS_DESCRIPTION "gpuparity's GPU workload programs (CUDA, cuBLASLt, LibTorch)
gpuparity-bench and, where it was built, gpuparity-torch: Google Benchmark programs
that measure a GPU, verify their results and write JSON; gpuparity runs them natively
and in a container.")
set(CPACK_DEBIAN_WORKLOADS_PACKAGE_RECOMMENDS gpuparity)

# Is the CUDA runtime a dpkg package's (Debian's nvidia-cuda-toolkit, NVIDIA's repository)?
# Then dpkg-shlibdeps names it where the package has shlibs information.
get_target_property(_cudart CUDA::cudart IMPORTED_LOCATION)
if(NOT _cudart)
  set(_cudart "${CUDA_cudart_LIBRARY}")
endif()
set(_cudart_package "")
find_program(GPUPARITY_DPKG_QUERY dpkg-query)
if(GPUPARITY_DPKG_QUERY AND _cudart)
  get_filename_component(_cudart_real "${_cudart}" REALPATH)
  execute_process(COMMAND "${GPUPARITY_DPKG_QUERY}" -S "${_cudart_real}"
    OUTPUT_VARIABLE _cudart_package RESULT_VARIABLE _not_owned ERROR_QUIET
    OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(_not_owned)
    set(_cudart_package "")
  endif()
endif()
if(_cudart_package)
  set(_cuda_depends "")
else()
  string(REGEX MATCH "^([0-9]+)\\.([0-9]+)" _ "${CUDAToolkit_VERSION}")
  set(_cuda_depends
    "cuda-cudart-${CMAKE_MATCH_1}-${CMAKE_MATCH_2}, libcublas-${CMAKE_MATCH_1}-${CMAKE_MATCH_2}")
endif()
set(GPUPARITY_DEB_CUDA_DEPENDS "${_cuda_depends}" CACHE STRING
  "Depends of gpuparity-workloads for the CUDA runtime and cuBLAS, beside dpkg-shlibdeps'")
if(GPUPARITY_DEB_CUDA_DEPENDS)
  set(CPACK_DEBIAN_WORKLOADS_PACKAGE_DEPENDS "${GPUPARITY_DEB_CUDA_DEPENDS}")
endif()
if(_cudart_package)
  # dpkg-query -S prints "package: path"; the package is what the .deb will depend on.
  string(REGEX REPLACE ":.*" "" _cudart_owner "${_cudart_package}")
  set(_cudart_from " (from package ${_cudart_owner})")
else()
  set(_cudart_from " (no dpkg package owns it)")
endif()
message(STATUS "gpuparity: gpuparity-workloads .deb: CUDA runtime "
  "${_cudart}${_cudart_from}; Depends beside dpkg-shlibdeps': "
  "'${GPUPARITY_DEB_CUDA_DEPENDS}'")
include(CPack)
