#pragma once
// SIGINT, SIGTERM and SIGHUP during `gpuparity run`. The handlers only record the first
// of them (async-signal-safe: a sig_atomic_t and a byte written to a self-pipe), so that
// run_process wakes at once and kills the running child's process group, and the run
// stops its trials and still writes its report, ending with 128 + the signal (run.hpp).
#include <string>

namespace gpuparity::harness {

// Installs the three handlers (again: no effect). A signal that was ignored when this
// process started (nohup, a CI runner) stays ignored, as the shell convention has it.
// Later signals are recorded nowhere: cleanup after the first one is bounded anyway.
void install_interrupt_handlers();

// The first of those signals received since the handlers were installed; 0 if none.
int interrupted_signal();

// A descriptor that becomes readable, and stays so, once a signal was received, for
// poll(); -1 before the handlers are installed.
int interrupt_fd();

// "SIGINT", "SIGTERM", "SIGHUP", else "signal N".
std::string signal_name(int sig);

}  // namespace gpuparity::harness
