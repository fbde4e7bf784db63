#pragma once
// The JSON a workload program writes when it cannot run its cases at all (bad flags, a
// filter that matches nothing): Google Benchmark's shape with no benchmarks, the reason
// and exit code in the context, so a reader of the output always gets valid JSON.
#include <string>
#include <utility>
#include <vector>

namespace gpuparity {

struct output_flags {
  std::string out_path;             // --benchmark_out
  std::string out_format = "json";  // --benchmark_out_format
  std::string format = "console";   // --benchmark_format
  bool list_tests = false;          // --benchmark_list_tests
  std::string color = "auto";       // --benchmark_color
  bool counters_tabular = false;    // --benchmark_counters_tabular
};

// Reads the Google Benchmark output flags from argv without consuming them.
output_flags scan_output_flags(int argc, char** argv);

std::string error_document(const std::vector<std::pair<std::string, std::string>>& context,
                           const std::string& error, int exit_code);

// Writes text to path by the rules of output_file.hpp (a temporary file and rename() for
// a regular file, so a reader never sees a partial file; links written through; devices and
// FIFOs in place). Returns false on failure (write_output_file says why).
bool write_file_atomically(const std::string& path, const std::string& text);

// Emits the error document where the user asked for JSON: the --benchmark_out file
// and/or stdout when --benchmark_format=json.
void emit_error_document(const output_flags& flags, const std::string& doc);

}  // namespace gpuparity
