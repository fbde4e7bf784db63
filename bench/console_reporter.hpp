#pragma once
// Google Benchmark's console reporter with repeated case failures folded (failure_fold.hpp):
// the display for --benchmark_format=console. The file reporter (--benchmark_out) is
// Google Benchmark's own and keeps every case.
#include <benchmark/benchmark.h>

#include "error_document.hpp"
#include "failure_fold.hpp"

namespace gpuparity {

class folding_console_reporter : public benchmark::ConsoleReporter {
 public:
  // Colour and tabular counters as --benchmark_color and --benchmark_counters_tabular ask
  // (Google Benchmark's defaults: colour on a terminal, columns off).
  explicit folding_console_reporter(const output_flags& flags);

  void ReportRuns(const std::vector<Run>& runs) override;
  void Finalize() override;

 private:
  failure_fold fold_;
};

}  // namespace gpuparity
