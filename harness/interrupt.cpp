#include "interrupt.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

namespace gpuparity::harness {
namespace {

// Globals, since a signal handler can reach nothing else; written once at installation
// (the pipe) or only by the handler (the signal).
volatile sig_atomic_t received_signal = 0;
int wake_pipe[2] = {-1, -1};

extern "C" void record_signal(int sig) {
  const int saved_errno = errno;  // the interrupted code may be about to read errno
  if (received_signal == 0) {
    received_signal = sig;
    const char byte = 1;
    (void)!write(wake_pipe[1], &byte, 1);  // non-blocking; one byte is enough
  }
  errno = saved_errno;
}

}  // namespace

void install_interrupt_handlers() {
  if (wake_pipe[0] >= 0) return;
  if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    wake_pipe[0] = wake_pipe[1] = -1;
    return;
  }
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    struct sigaction old {};
    if (sigaction(sig, nullptr, &old) == 0 && old.sa_handler == SIG_IGN) continue;
    struct sigaction sa {};
    sa.sa_handler = record_signal;
    sigemptyset(&sa.sa_mask);
    // Restarted: file writes and reads elsewhere carry on; poll() is never restarted,
    // and the pipe wakes it anyway.
    sa.sa_flags = SA_RESTART;
    sigaction(sig, &sa, nullptr);
  }
}

int interrupted_signal() { return received_signal; }

int interrupt_fd() { return wake_pipe[0]; }

std::string signal_name(int sig) {
  switch (sig) {
    case SIGINT:
      return "SIGINT";
    case SIGTERM:
      return "SIGTERM";
    case SIGHUP:
      return "SIGHUP";
  }
  return "signal " + std::to_string(sig);
}

}  // namespace gpuparity::harness
