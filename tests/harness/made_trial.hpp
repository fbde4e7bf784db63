#pragma once
// A trial made by hand, as a workload would report it: one gpuparity-bench run with the
// given context (GPU facts) and one stream/copy sample.
#include <map>
#include <string>
#include <utility>

#include "trial.hpp"

namespace gpuparity::harness::test {

inline trial made_trial(bool container, std::map<std::string, std::string> context) {
  trial t;
  t.index = 1;
  t.container = container;
  program_run r;
  r.program = "gpuparity-bench";
  r.out.parsed = true;
  r.out.context = std::move(context);
  r.out.metrics.push_back({"stream/copy:bytes_per_second", "bytes_per_second",
                           metric_class::bandwidth, true, 3e12, -1});
  t.runs.push_back(r);
  return t;
}

}  // namespace gpuparity::harness::test
