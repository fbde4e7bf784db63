# Default CUDA architectures chosen by toolkit version, never `native`: images and CI
# machines build with no GPU present. A user's -DCMAKE_CUDA_ARCHITECTURES wins.
if(DEFINED CMAKE_CUDA_ARCHITECTURES OR DEFINED ENV{CUDAARCHS})
  return()
endif()
if(NOT CMAKE_CUDA_COMPILER)
  find_program(_gpuparity_nvcc nvcc HINTS ENV CUDA_PATH /usr/local/cuda/bin)
  if(_gpuparity_nvcc)
    set(CMAKE_CUDA_COMPILER "${_gpuparity_nvcc}" CACHE FILEPATH "CUDA compiler")
  endif()
endif()
set(_gpuparity_nvcc_version "")
if(CMAKE_CUDA_COMPILER)
  execute_process(COMMAND "${CMAKE_CUDA_COMPILER}" --version
    OUTPUT_VARIABLE _gpuparity_nvcc_out ERROR_QUIET)
  string(REGEX MATCH "release ([0-9]+\\.[0-9]+)" _m "${_gpuparity_nvcc_out}")
  set(_gpuparity_nvcc_version "${CMAKE_MATCH_1}")
endif()
# A100 (80) and H100/H200 (90) always; Blackwell (100, 120) from 12.8 on, which first
# knows them. The last entry also carries PTX so newer GPUs can JIT it.
if(_gpuparity_nvcc_version VERSION_GREATER_EQUAL 12.8)
  set(CMAKE_CUDA_ARCHITECTURES "80-real;90-real;100-real;120" CACHE STRING "CUDA architectures")
else()
  set(CMAKE_CUDA_ARCHITECTURES "80-real;90" CACHE STRING "CUDA architectures")
endif()
