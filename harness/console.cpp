#include "console.hpp"

#include <utility>

namespace gpuparity::harness {

namespace {
// Shorter texts ("killed by signal 9") are not worth a pointer, and could match by chance
// inside an unrelated message.
constexpr std::size_t shortest_replaced = 40;
}  // namespace

console::console(std::ostream& out, std::string prefix, bool quiet)
    : out_(out), prefix_(std::move(prefix)), quiet_(quiet) {}

std::string console::once(const std::string& text) {
  for (const auto& p : printed_) {
    const auto at = text.find(p);
    if (at != std::string::npos)
      return text.substr(0, at) + same_as_above + text.substr(at + p.size());
  }
  if (text.size() >= shortest_replaced) printed_.push_back(text);
  return text;
}

void console::progress(const std::string& text) {
  if (!quiet_) out_ << prefix_ << ": " << text << "\n" << std::flush;
}

void console::progress_failure(const std::string& text, const std::string& failure) {
  if (!quiet_) out_ << prefix_ << ": " << text << "ERROR: " << once(failure) << "\n" << std::flush;
}

void console::warning(const std::string& text) {
  out_ << prefix_ << ": warning: " << text << "\n" << std::flush;
}

void console::error(const std::string& text) {
  out_ << prefix_ << ": ERROR: " << once(text) << "\n" << std::flush;
}

}  // namespace gpuparity::harness
