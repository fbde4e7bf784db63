# The version and git revision stamped into every program's output.
set(GPUPARITY_GIT_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" rev-parse --verify -q HEAD
    OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    set(GPUPARITY_GIT_REVISION "${_rev}")
  endif()
endif()
if(DEFINED ENV{GPUPARITY_GIT_REVISION})  # images build from a context without .git
  set(GPUPARITY_GIT_REVISION "$ENV{GPUPARITY_GIT_REVISION}")
endif()
# It lands in a C++ string literal: only a plain token is accepted.
if(NOT GPUPARITY_GIT_REVISION MATCHES "^[0-9A-Za-z._-]+$")
  set(GPUPARITY_GIT_REVISION "unknown")
endif()
configure_file("${PROJECT_SOURCE_DIR}/cmake/version.hpp.in"
  "${PROJECT_BINARY_DIR}/generated/gpuparity/version.hpp" @ONLY)
add_library(gpuparity_version INTERFACE)
target_include_directories(gpuparity_version INTERFACE "${PROJECT_BINARY_DIR}/generated")
