#pragma once
// What a gpuparity command tells its user on stderr while it works: progress (silenced by
// --quiet), warnings and errors (always). A failure is printed once: one failing workload
// otherwise reached stderr three times with the same 350-character message (its trial's
// progress line, the other side's trial, the run's error), so a line that would repeat a
// failure already printed says "the same error as above" in its place.
#include <ostream>
#include <string>
#include <vector>

namespace gpuparity::harness {

class console {
 public:
  // prefix: "gpuparity" or "gpuparity baseline"; lines are "<prefix>: ...".
  console(std::ostream& out, std::string prefix, bool quiet);

  // A progress line; nothing under --quiet.
  void progress(const std::string& text);
  // A progress line that reports a failure: "<text>ERROR: <failure>" (the failure
  // remembered, or replaced when printed before); nothing under --quiet.
  void progress_failure(const std::string& text, const std::string& failure);
  void warning(const std::string& text);  // "<prefix>: warning: <text>", always
  void error(const std::string& text);    // "<prefix>: ERROR: <text>", always, repeats replaced

  // text with the first failure already printed that it contains replaced by
  // same_as_above, and that failure remembered if it is new.
  std::string once(const std::string& text);

  static constexpr const char* same_as_above = "the same error as above";

 private:
  std::ostream& out_;
  std::string prefix_;
  bool quiet_;
  std::vector<std::string> printed_;  // failures printed so far, whole
};

}  // namespace gpuparity::harness
