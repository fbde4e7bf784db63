#include "failure_fold.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace gpuparity {
namespace {

// The console's lines for a sequence of (case, failure) as the reporter prints them.
std::vector<std::string> lines(const std::vector<std::pair<std::string, std::string>>& cases) {
  failure_fold f;
  std::vector<std::string> out;
  for (const auto& [name, failure] : cases) {
    const auto s = f.next(name, failure);
    if (!s.before.empty()) out.push_back(s.before);
    if (s.how == failure_fold::show::whole)
      out.push_back(name + (failure.empty() ? " ok" : " " + failure));
    if (s.how == failure_fold::show::same_as) out.push_back(name + " same as " + s.same_as);
  }
  const auto last = f.finish();
  if (!last.empty()) out.push_back(last);
  return out;
}

TEST(FailureFold, RepeatsInARowAreOneCountedLine) {
  std::vector<std::pair<std::string, std::string>> cases;
  for (int i = 0; i < 28; ++i) cases.push_back({"case" + std::to_string(i), "no_device: no GPU"});
  EXPECT_EQ(lines(cases), (std::vector<std::string>{
                              "case0 no_device: no GPU",
                              "... and 27 more cases failed with the same error (each is in the "
                              "JSON output)"}));
}

TEST(FailureFold, DistinctAndReturningMessages) {
  EXPECT_EQ(lines({{"a", "out of memory"},
                   {"b", "out of memory"},
                   {"c", ""},
                   {"d", "out of memory"},
                   {"e", "incorrect: 3 elements"},
                   {"f", ""}}),
            (std::vector<std::string>{
                "a out of memory",
                "... and 1 more case failed with the same error (each is in the JSON output)",
                "c ok", "d same as a", "e incorrect: 3 elements", "f ok"}));
  EXPECT_EQ(lines({{"a", ""}, {"b", ""}}), (std::vector<std::string>{"a ok", "b ok"}));
}

}  // namespace
}  // namespace gpuparity
