#include "status.hpp"

namespace gpuparity {

const char* case_status_name(case_status s) {
  switch (s) {
    case case_status::passed:
      return "passed";
    case case_status::incorrect:
      return "incorrect";
    case case_status::failed:
      return "failed";
    case case_status::not_supported:
      return "not_supported";
    case case_status::no_device:
      return "no_device";
  }
  return "unknown";
}

void outcome::add(case_status s) { ++counts_[static_cast<int>(s)]; }

int outcome::count(case_status s) const { return counts_[static_cast<int>(s)]; }

int outcome::exit_code() const {
  if (count(case_status::no_device)) return exit_no_device;
  if (count(case_status::incorrect)) return exit_incorrect;
  if (count(case_status::failed)) return exit_failed;
  return exit_ok;
}

}  // namespace gpuparity
