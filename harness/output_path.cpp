#include "output_path.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <iostream>

#include "output_file.hpp"
#include "run.hpp"

namespace gpuparity::harness {
namespace {

// Absolute, with "." and ".." resolved and the links of its existing part followed.
std::string normalised(const std::string& path) {
  const output_target t = inspect_output(path);
  std::error_code ec;
  const auto p = std::filesystem::weakly_canonical(
      std::filesystem::absolute(t.file.empty() ? path : t.file, ec), ec);
  return ec ? path : p.lexically_normal().string();
}

path_problem usage(const std::string& message) { return {exit_usage, message}; }

}  // namespace

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa {
  }, sb{};
  const bool has_a = stat(a.c_str(), &sa) == 0, has_b = stat(b.c_str(), &sb) == 0;
  if (has_a && has_b) return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  if (has_a != has_b) return false;
  return normalised(a) == normalised(b);
}

path_problem check_output_paths(const std::vector<named_path>& outputs,
                                const std::vector<named_path>& inputs, bool stdout_ok,
                                const std::string& stdout_use) {
  std::vector<const named_path*> replaced;  // outputs written by rename: regular or new files
  const named_path* to_stdout = nullptr;
  for (const auto& o : outputs) {
    if (o.path.empty()) continue;
    if (o.path == "-") {
      if (!stdout_ok)
        return usage("cannot write " + o.what + " to standard output ('-'): " + stdout_use +
                     "; name a file");
      if (to_stdout)
        return usage("only one output can go to standard output ('-'): " + to_stdout->what +
                     " and " + o.what + " both ask for it; name a file for one of them");
      to_stdout = &o;
      continue;
    }
    const output_target t = inspect_output(o.path);
    if (t.kind == output_kind::unusable)
      return {exit_error, "cannot write " + o.path + " (" + o.what + "): " + t.error};
    if (t.kind != output_kind::stream) replaced.push_back(&o);
  }
  for (std::size_t i = 0; i < replaced.size(); ++i) {
    const named_path& o = *replaced[i];
    for (const auto& in : inputs)
      if (!in.path.empty() && in.path != "-" && same_file(o.path, in.path))
        return usage(o.what + " " + o.path + " is the same file as " + in.what + " " + in.path +
                     ", which this command reads: write the output to another file");
    for (std::size_t k = 0; k < i; ++k)
      if (same_file(o.path, replaced[k]->path))
        return usage(replaced[k]->what + " and " + o.what + " are the same file (" + o.path +
                     "): give each output its own file");
  }
  return {};
}

std::string write_output(const std::string& path, const std::string& text) {
  if (path != "-") return write_output_file(path, text);
  std::cout << text << std::flush;
  return std::cout ? "" : "cannot write to standard output";
}

}  // namespace gpuparity::harness
