#include "bench_context.hpp"

namespace gpuparity {

namespace {
int severity(case_status s) {
  switch (s) {
    case case_status::passed:
      return 0;
    case case_status::not_supported:
      return 1;
    case case_status::failed:
      return 2;
    case case_status::incorrect:
      return 3;
    case case_status::no_device:
      return 4;
  }
  return 0;
}
}  // namespace

void bench_context::record(const std::string& case_name, case_status s) {
  auto it = statuses_.find(case_name);
  if (it == statuses_.end())
    statuses_.emplace(case_name, s);
  else if (severity(s) > severity(it->second))
    it->second = s;
}

outcome bench_context::result() const {
  outcome o;
  for (const auto& [name, s] : statuses_) o.add(s);
  return o;
}

}  // namespace gpuparity
