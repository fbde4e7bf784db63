#include "failure_fold.hpp"

namespace gpuparity {

failure_fold::step failure_fold::next(const std::string& case_name, const std::string& failure) {
  step s;
  if (!failure.empty() && failure == last_) {
    ++repeats_;
    s.how = show::hidden;
    return s;
  }
  s.before = finish();
  last_ = failure;
  if (failure.empty()) return s;
  const auto [first, inserted] = first_case_.emplace(failure, case_name);
  if (!inserted) {
    s.how = show::same_as;
    s.same_as = first->second;
  }
  return s;
}

std::string failure_fold::finish() {
  if (repeats_ == 0) return "";
  const std::string line = "... and " + std::to_string(repeats_) + " more case" +
                           (repeats_ == 1 ? "" : "s") +
                           " failed with the same error (each is in the JSON output)";
  repeats_ = 0;
  return line;
}

}  // namespace gpuparity
