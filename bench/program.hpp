#pragma once
#include "bench_context.hpp"

namespace gpuparity {

// Parses the program's flags (Google Benchmark's and gpuparity's), probes the GPU, stamps
// the context, registers the cases with register_cases, runs them and returns the exit
// code. Usage errors print one line and still emit a JSON error document. `help_footer`, if
// any, ends --help (what this build left out).
int program_main(int argc, char** argv, const char* program,
                 void (*register_cases)(bench_context&), const char* help_footer = nullptr);

}  // namespace gpuparity
