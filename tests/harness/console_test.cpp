#include "console.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace gpuparity::harness {
namespace {

const std::string failure =
    "gpuparity-bench stream/copy: no_device: no usable CUDA GPU (cudaErrorNoDevice: no "
    "CUDA-capable device is detected)";

TEST(Console, AFailureIsPrintedOnceThenPointedTo) {
  std::ostringstream out;
  console c(out, "gpuparity", false);
  c.progress_failure("[native    #0 warm-up] 0.1 s ", failure);
  c.progress_failure("[native-b  #0 warm-up] 0.1 s ", failure);
  c.error("native trial: " + failure);
  EXPECT_EQ(out.str(),
            "gpuparity: [native    #0 warm-up] 0.1 s ERROR: " + failure +
                "\n"
                "gpuparity: [native-b  #0 warm-up] 0.1 s ERROR: the same error as above\n"
                "gpuparity: ERROR: native trial: the same error as above\n");
}

TEST(Console, DistinctFailuresAreEachPrintedWhole) {
  std::ostringstream out;
  console c(out, "gpuparity", false);
  const std::string other = failure + " (the container's)";
  c.progress_failure("a ", failure);
  c.error("b " + std::string("something else entirely, long enough to be remembered"));
  EXPECT_NE(out.str().find("b something else entirely"), std::string::npos);
  // A message that only contains an earlier one names what differs around it.
  EXPECT_EQ(c.once(other), "the same error as above (the container's)");
  // Short texts are never replaced: they could match inside an unrelated message.
  EXPECT_EQ(c.once("killed by signal 9"), "killed by signal 9");
  EXPECT_EQ(c.once("killed by signal 9"), "killed by signal 9");
}

TEST(Console, QuietKeepsWarningsAndErrors) {
  std::ostringstream out;
  console c(out, "gpuparity baseline", true);
  c.progress("28 metrics written");
  c.progress_failure("[native #0] ", failure);
  c.warning("x left out");
  c.error("native trial: " + failure);
  // The quiet progress line printed nothing, so the error is whole.
  EXPECT_EQ(out.str(),
            "gpuparity baseline: warning: x left out\n"
            "gpuparity baseline: ERROR: native trial: " +
                failure + "\n");
}

}  // namespace
}  // namespace gpuparity::harness
