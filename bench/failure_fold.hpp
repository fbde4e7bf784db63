#pragma once
// The console's lines for failed cases. Google Benchmark prints each case's error on its
// line, so one cause (no GPU) printed the same 350-character message once per case, 28
// times. Here the first case with a message prints it whole; the cases right after it with
// the same message are counted into one line; a message seen before, further back, names
// the first case that had it. Only the console is folded: the JSON keeps every case's error.
#include <map>
#include <string>

namespace gpuparity {

class failure_fold {
 public:
  enum class show { whole, same_as, hidden };
  struct step {
    std::string before;  // a line to print before this case's ("" none): the count of repeats
    show how = show::whole;
    std::string same_as;  // show::same_as: the case that first failed with this message
  };

  // failure: the case's error message, "" for a case that did not fail.
  step next(const std::string& case_name, const std::string& failure);
  // The count line still pending at the end, or "".
  std::string finish();

 private:
  std::map<std::string, std::string> first_case_;  // message -> first case with it
  std::string last_;                               // the previous case's failure
  int repeats_ = 0;                                // cases hidden since last_ was printed
};

}  // namespace gpuparity
