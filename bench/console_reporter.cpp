#include "console_reporter.hpp"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <iomanip>
#include <ostream>

namespace gpuparity {

namespace {

// A failed run's message: Google Benchmark 1.7 has error_occurred and error_message, 1.8
// (Ubuntu 24.04's, in the images) skipped and skip_message.
template <class R>
auto failure_of(const R& r, int) -> decltype(r.error_occurred, std::string()) {
  return r.error_occurred ? r.error_message : "";
}
template <class R>
auto failure_of(const R& r, long) -> decltype(r.skipped, std::string()) {
  return r.skipped ? r.skip_message : "";
}

benchmark::ConsoleReporter::OutputOptions options_of(const output_flags& flags) {
  const std::string& c = flags.color;
  const char* term = std::getenv("TERM");
  const bool color = c == "true" || c == "yes" || c == "1" ||
                     (c == "auto" && isatty(STDOUT_FILENO) && term && std::strcmp(term, "dumb"));
  int o = benchmark::ConsoleReporter::OO_None;
  if (color) o |= benchmark::ConsoleReporter::OO_Color;
  if (flags.counters_tabular) o |= benchmark::ConsoleReporter::OO_Tabular;
  return static_cast<benchmark::ConsoleReporter::OutputOptions>(o);
}

}  // namespace

folding_console_reporter::folding_console_reporter(const output_flags& flags)
    : ConsoleReporter(options_of(flags)) {}

void folding_console_reporter::ReportRuns(const std::vector<Run>& runs) {
  std::ostream& out = GetOutputStream();
  for (const auto& r : runs) {
    const auto s = fold_.next(r.benchmark_name(), failure_of(r, 0));
    if (!s.before.empty()) out << s.before << "\n";
    if (s.how == failure_fold::show::whole) {
      ConsoleReporter::ReportRuns({r});
    } else if (s.how == failure_fold::show::same_as) {
      out << std::left << std::setw(static_cast<int>(name_field_width_)) << r.benchmark_name()
          << " ERROR OCCURRED: the same error as " << s.same_as << "\n";
    }
  }
  out << std::flush;
}

void folding_console_reporter::Finalize() {
  const auto line = fold_.finish();
  if (!line.empty()) GetOutputStream() << line << "\n" << std::flush;
  ConsoleReporter::Finalize();
}

}  // namespace gpuparity
