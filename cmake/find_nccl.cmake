# NCCL for the nccl/ cases of gpuparity-bench: its header at build time, its library loaded at
# run time (bench/nccl_rank.cpp), so the program never needs libnccl to start. Looked for in
# NCCL_ROOT (variable or environment), CMAKE_PREFIX_PATH, the system, and the python package
# nvidia.nccl (PyTorch's pip wheels: nvidia-nccl-cu12 and the like, with include/nccl.h and
# lib/libnccl.so.2). Sets GPUPARITY_NCCL_INCLUDE_DIR, GPUPARITY_NCCL_LIBRARY (may be NOTFOUND)
# and GPUPARITY_NCCL_FOUND.
set(_gpuparity_nccl_hints)
if(NCCL_ROOT)
  list(APPEND _gpuparity_nccl_hints "${NCCL_ROOT}")
endif()
if(DEFINED ENV{NCCL_ROOT})
  list(APPEND _gpuparity_nccl_hints "$ENV{NCCL_ROOT}")
endif()
find_program(GPUPARITY_NCCL_PYTHON NAMES python3)
if(GPUPARITY_NCCL_PYTHON)
  # nvidia.nccl is a namespace package in some wheels: __file__ is None, __path__ has the folder.
  execute_process(
    COMMAND "${GPUPARITY_NCCL_PYTHON}" -c
      "import os, nvidia.nccl as m; print(os.path.dirname(m.__file__) if m.__file__ else list(m.__path__)[0])"
    OUTPUT_VARIABLE _gpuparity_nccl_py OUTPUT_STRIP_TRAILING_WHITESPACE
    RESULT_VARIABLE _gpuparity_nccl_py_rc ERROR_QUIET TIMEOUT 60)
  if(_gpuparity_nccl_py_rc EQUAL 0 AND _gpuparity_nccl_py)
    list(APPEND _gpuparity_nccl_hints "${_gpuparity_nccl_py}")
  endif()
endif()
find_path(GPUPARITY_NCCL_INCLUDE_DIR nccl.h HINTS ${_gpuparity_nccl_hints} PATH_SUFFIXES include)
# The pip wheel has only libnccl.so.2, no libnccl.so.
find_library(GPUPARITY_NCCL_LIBRARY NAMES nccl libnccl.so.2 HINTS ${_gpuparity_nccl_hints}
  PATH_SUFFIXES lib lib64)
set(GPUPARITY_NCCL_FOUND FALSE)
if(GPUPARITY_NCCL_INCLUDE_DIR)
  set(GPUPARITY_NCCL_FOUND TRUE)
  file(STRINGS "${GPUPARITY_NCCL_INCLUDE_DIR}/nccl.h" _gpuparity_nccl_version_lines
    REGEX "^#define NCCL_(MAJOR|MINOR|PATCH) ")
  set(GPUPARITY_NCCL_VERSION "")
  foreach(_part MAJOR MINOR PATCH)
    string(REGEX MATCH "NCCL_${_part} +([0-9]+)" _m "${_gpuparity_nccl_version_lines}")
    list(APPEND GPUPARITY_NCCL_VERSION "${CMAKE_MATCH_1}")
  endforeach()
  list(JOIN GPUPARITY_NCCL_VERSION "." GPUPARITY_NCCL_VERSION)
endif()
