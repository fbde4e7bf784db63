# What `cmake --install` and the packages (cmake/packaging.cmake) carry beside the programs.
# Two components: `harness` (gpuparity, its schemas, baselines, docs, man page, completion;
# no CUDA) and `workloads` (gpuparity-bench, gpuparity-torch; install(TARGETS) in their own
# CMakeLists.txt). `cmake --install` without --component installs both.
include(GNUInstallDirs)
set(_share "${CMAKE_INSTALL_DATADIR}/gpuparity")
set(_doc "${CMAKE_INSTALL_DATADIR}/doc/gpuparity")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/results/schema/" DESTINATION "${_share}/schema"
  COMPONENT harness FILES_MATCHING PATTERN "*.json")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/results/baselines/" DESTINATION "${_share}/baselines"
  COMPONENT harness FILES_MATCHING PATTERN "*.json")
install(DIRECTORY "${PROJECT_SOURCE_DIR}/examples/" DESTINATION "${_doc}/examples"
  COMPONENT harness)
install(FILES "${PROJECT_SOURCE_DIR}/README.md" "${PROJECT_SOURCE_DIR}/CHANGELOG.md"
  "${PROJECT_SOURCE_DIR}/LICENSE" DESTINATION "${_doc}" COMPONENT harness)
# The man page carries the project's version.
configure_file("${PROJECT_SOURCE_DIR}/share/man/gpuparity.1.in" "${PROJECT_BINARY_DIR}/gpuparity.1" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/gpuparity.1"
  DESTINATION "${CMAKE_INSTALL_MANDIR}/man1" COMPONENT harness)
install(FILES "${PROJECT_SOURCE_DIR}/share/completion/gpuparity.bash"
  DESTINATION "${CMAKE_INSTALL_DATADIR}/bash-completion/completions" RENAME gpuparity
  COMPONENT harness)
