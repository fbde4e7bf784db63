#pragma once
// Writing a program's output file without harming what the path names. The rules, for
// every file gpuparity and gpuparity-bench write:
// - a symbolic link is written through: the link stays a link and the file it names gets
//   the content (a dangling link creates that file);
// - a regular file, or a path where nothing is yet, is replaced atomically: a temporary
//   file in the same folder, then rename(), so a reader never sees a partial file; a
//   replaced file keeps its permissions;
// - a character device or FIFO (/dev/null, /dev/stdout, a named pipe) is written in
//   place: opened and written, never replaced by a regular file; a FIFO nobody reads
//   within a few seconds is an error rather than a hang;
// - a folder, a block device or a socket is refused, as is a path whose folder is missing
//   or not writable.
#include <string>

namespace gpuparity {

enum class output_kind {
  absent,    // nothing there yet (or a dangling link): created
  regular,   // replaced atomically
  stream,    // character device or FIFO: written in place
  unusable,  // refused: see output_target::error
};

struct output_target {
  output_kind kind = output_kind::unusable;
  std::string file;   // the path that gets the content: links followed (absent, regular)
  std::string error;  // why it cannot be written, and the fix ("" if it can)
};

// Inspects `path` and the folder it lands in; writes nothing.
output_target inspect_output(const std::string& path);

// Writes `text` to `path` by the rules above; returns "" or an error message naming the
// path and the fix.
std::string write_output_file(const std::string& path, const std::string& text);

}  // namespace gpuparity
