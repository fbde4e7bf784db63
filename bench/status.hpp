#pragma once
// Outcome of a case, and the program's exit codes (documented in README.md).
#include <string>

namespace gpuparity {

enum class case_status { passed, incorrect, failed, not_supported, no_device };

const char* case_status_name(case_status s);

// Exit codes of gpuparity-bench and gpuparity-torch.
enum exit_code : int {
  exit_ok = 0,         // every case that ran passed its verification
  exit_usage = 2,      // bad flag or value, or a filter that matches no case
  exit_incorrect = 3,  // a case computed a wrong result
  exit_failed = 4,     // a case failed to run (CUDA/cuBLAS error, does not fit in memory)
  exit_no_device = 5,  // no usable GPU: no device, no driver, or a driver too old
};

// The exit code for a run whose cases ended with the given statuses, most severe first:
// no device, then a wrong answer, then a failure; not_supported never fails a run.
class outcome {
 public:
  void add(case_status s);
  int exit_code() const;
  int count(case_status s) const;

 private:
  int counts_[5] = {0, 0, 0, 0, 0};
};

}  // namespace gpuparity
