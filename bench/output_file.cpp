#include "output_file.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <climits>
#include <csignal>
#include <cstring>
#include <thread>

namespace gpuparity {
namespace {

std::string folder_of(const std::string& path) {
  const auto p = path.rfind('/');
  if (p == std::string::npos) return ".";
  return p == 0 ? "/" : path.substr(0, p);
}

// The path a chain of symbolic links ends at (which need not exist); "" for a loop.
std::string follow_links(std::string path) {
  for (int hops = 0; hops < 40; ++hops) {
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return path;
    std::string target(PATH_MAX, '\0');
    const ssize_t n = readlink(path.c_str(), target.data(), target.size());
    if (n <= 0) return path;
    target.resize(static_cast<std::size_t>(n));
    path = target.front() == '/' ? target : folder_of(path) + "/" + target;
  }
  return "";
}

std::string cannot(const std::string& path, const std::string& why) {
  return "cannot write " + path + ": " + why;
}

// Writes all of text to fd. A FIFO whose reader has gone raises SIGPIPE, which would end
// the program before it could report anything: it is blocked while writing, and one this
// write raised is taken back, so the write fails with EPIPE instead.
std::string write_all(int fd, const std::string& text, const std::string& path) {
  sigset_t pipe_only, old, pending;
  sigemptyset(&pipe_only);
  sigaddset(&pipe_only, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  std::size_t done = 0;
  int err = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      err = errno;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  if (err == EPIPE && !was_pending) {
    const timespec now{0, 0};
    sigtimedwait(&pipe_only, nullptr, &now);
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return err ? cannot(path, std::strerror(err)) : "";
}

// Character devices and FIFOs. O_NONBLOCK only for the open: a FIFO's open would otherwise
// wait for a reader forever; without one for 3 s it is an error.
std::string write_in_place(const std::string& path, const std::string& text) {
  int fd = -1;
  for (int tries = 0; tries < 30; ++tries) {
    fd = open(path.c_str(), O_WRONLY | O_TRUNC | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd >= 0 || errno != ENXIO) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  if (fd < 0)
    return cannot(path, errno == ENXIO ? "it is a FIFO that nobody reads: start its reader first"
                                       : std::strerror(errno));
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  std::string err = write_all(fd, text, path);
  if (close(fd) != 0 && err.empty()) err = cannot(path, std::strerror(errno));
  return err;
}

// Regular files and new ones: a temporary file beside the target, then rename().
std::string write_replacing(const output_target& t, const std::string& path,
                            const std::string& text) {
  const std::string tmp = t.file + ".tmp." + std::to_string(getpid());
  const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
  int fd = open(tmp.c_str(), flags, 0666);
  if (fd < 0 && errno == EEXIST) {  // left by an earlier process that had this id
    unlink(tmp.c_str());
    fd = open(tmp.c_str(), flags, 0666);
  }
  if (fd < 0) return cannot(path, "cannot create " + tmp + " (" + std::strerror(errno) + ")");
  struct stat st {};
  if (t.kind == output_kind::regular && stat(t.file.c_str(), &st) == 0)
    fchmod(fd, st.st_mode & 07777);
  std::string err = write_all(fd, text, path);
  if (err.empty() && fsync(fd) != 0) err = cannot(path, std::strerror(errno));
  if (close(fd) != 0 && err.empty()) err = cannot(path, std::strerror(errno));
  if (err.empty() && std::rename(tmp.c_str(), t.file.c_str()) != 0)
    err = cannot(path, std::string("rename failed (") + std::strerror(errno) + ")");
  if (!err.empty()) unlink(tmp.c_str());
  return err;
}

const char* special_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a folder: name a file in it";
  if (S_ISBLK(mode)) return "a block device: name a regular file";
  if (S_ISSOCK(mode)) return "a socket: name a regular file";
  return "neither a file, a character device nor a FIFO: name a regular file";
}

}  // namespace

output_target inspect_output(const std::string& path) {
  output_target t;
  if (path.empty()) {
    t.error = "the path is empty: name a file";
    return t;
  }
  struct stat st {};
  bool exists = false;
  if (stat(path.c_str(), &st) == 0) {
    exists = true;
    if (S_ISCHR(st.st_mode) || S_ISFIFO(st.st_mode)) {
      if (access(path.c_str(), W_OK) != 0)
        t.error = std::string(std::strerror(errno)) + "; name another file";
      else
        t.kind = output_kind::stream, t.file = path;
      return t;
    }
    if (!S_ISREG(st.st_mode)) {
      t.error = std::string("it is ") + special_kind(st.st_mode);
      return t;
    }
  } else if (errno != ENOENT) {
    t.error = std::string(std::strerror(errno)) + "; name another file";
    return t;
  }
  t.file = follow_links(path);
  if (t.file.empty()) {
    t.error = "its symbolic links form a loop";
    return t;
  }
  const std::string dir = folder_of(t.file);
  const std::string via = t.file == path ? "" : " (the file its link names is " + t.file + ")";
  struct stat ds {};
  if (stat(dir.c_str(), &ds) != 0 || !S_ISDIR(ds.st_mode))
    t.error = "its folder " + dir + " does not exist" + via +
              ": create it, or name a file in an existing folder";
  else if (access(dir.c_str(), W_OK | X_OK) != 0)
    t.error =
        "its folder " + dir + " is not writable" + via + ": name a file in a folder you can write";
  else
    t.kind = exists ? output_kind::regular : output_kind::absent;
  return t;
}

std::string write_output_file(const std::string& path, const std::string& text) {
  const output_target t = inspect_output(path);
  switch (t.kind) {
    case output_kind::unusable:
      return cannot(path, t.error);
    case output_kind::stream:
      return write_in_place(path, text);
    case output_kind::absent:
    case output_kind::regular:
      break;
  }
  return write_replacing(t, path, text);
}

}  // namespace gpuparity
