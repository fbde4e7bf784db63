# Warnings and common settings through one INTERFACE target that every target links.
add_library(gpuparity_config INTERFACE)
target_compile_options(gpuparity_config INTERFACE
  $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion>
  $<$<COMPILE_LANGUAGE:CUDA>:-Xcompiler=-Wall,-Wextra --Werror=all-warnings -lineinfo>)
target_compile_features(gpuparity_config INTERFACE cxx_std_17)
