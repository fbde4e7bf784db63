#pragma once
// A command's output paths, checked before it does any work (for `run`, before any
// trial), so that a run never measures for minutes and then cannot write its report, and
// never overwrites what it reads. How each kind of target is written (links followed,
// devices and FIFOs in place, regular files replaced atomically): bench/output_file.hpp.
#include <string>
#include <vector>

namespace gpuparity::harness {

struct named_path {
  std::string what;  // for messages: "the report (-o)", "the baseline (--baseline)"
  std::string path;  // "": not given, skipped
};

struct path_problem {
  int exit_code = 0;    // 0: fine; exit_error: cannot be written; exit_usage: a wrong choice
  std::string message;  // names the path and the fix
};

// Every output must be writable (a folder, a missing folder, a block device: exit_error);
// "-" (standard output) is allowed only where `stdout_ok` says, for one output at most, and
// an output that would be replaced may not be the same file as an input or as another
// output (exit_usage). Character devices and FIFOs, written in place, may be shared.
path_problem check_output_paths(const std::vector<named_path>& outputs,
                                const std::vector<named_path>& inputs, bool stdout_ok,
                                const std::string& stdout_use);

// Whether a and b name the same file: the same device and inode where both exist, the
// same normalised path (links followed) where neither does.
bool same_file(const std::string& a, const std::string& b);

// Writes text to path ("-": standard output) by the rules of bench/output_file.hpp;
// returns "" or an error message naming the path.
std::string write_output(const std::string& path, const std::string& text);

}  // namespace gpuparity::harness
