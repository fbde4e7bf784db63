# The version and git revision stamped into every program's output.
set(GPUPARITY_GIT_REVISION "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${PROJECT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" rev-parse --verify -q HEAD
    OUTPUT_VARIABLE _rev OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET RESULT_VARIABLE _rc)
  if(_rc EQUAL 0)
    set(GPUPARITY_GIT_REVISION "${_rev}")
  endif()
  # A commit or checkout changes HEAD or the branch's ref: configure again, so an
  # incremental build never stamps its output with the revision of an earlier configure.
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" rev-parse
    --path-format=absolute --git-path HEAD --git-path packed-refs
    OUTPUT_VARIABLE _paths OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" symbolic-ref -q HEAD
    OUTPUT_VARIABLE _ref OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_ref)
    execute_process(COMMAND "${GIT_EXECUTABLE}" -C "${PROJECT_SOURCE_DIR}" rev-parse
      --path-format=absolute --git-path "${_ref}"
      OUTPUT_VARIABLE _ref_path OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    string(APPEND _paths "\n${_ref_path}")
  endif()
  string(REPLACE "\n" ";" _paths "${_paths}")
  foreach(_path IN LISTS _paths)
    if(EXISTS "${_path}")
      set_property(DIRECTORY "${PROJECT_SOURCE_DIR}" APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_path}")
    endif()
  endforeach()
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
