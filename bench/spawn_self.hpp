#pragma once
// A fresh process of this program (/proc/self/exe): the startup case's cold child and the
// --processes fan-out both need one whose CUDA state cannot leak from the parent.
#include <sys/types.h>

#include <string>
#include <vector>

namespace gpuparity {

struct spawned_child {
  pid_t pid;
  int out_fd;  // the read end of a pipe on the child's stdout (stderr is inherited)
};

// Throws std::runtime_error naming `what` when the pipe or the spawn fails.
spawned_child spawn_self(const std::vector<std::string>& args, const std::string& what);

}  // namespace gpuparity
