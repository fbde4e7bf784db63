#include "process.hpp"

#include <gtest/gtest.h>

namespace gpuparity::harness {
namespace {

TEST(RunProcess, CapturesOutputAndExitCode) {
  const auto r = run_process({"sh", "-c", "echo out; echo err >&2; exit 7"}, 10);
  EXPECT_EQ(r.exit_code, 7);
  EXPECT_EQ(r.out, "out\n");
  EXPECT_EQ(r.err, "err\n");
  EXPECT_FALSE(r.timed_out);
}

TEST(RunProcess, SetsExtraEnvironment) {
  const auto r = run_process({"sh", "-c", "echo \"$GPUPARITY_X\""}, 10, {{"GPUPARITY_X", "a b"}});
  EXPECT_EQ(r.out, "a b\n");
}

TEST(RunProcess, TimeoutKillsTheWholeProcessGroup) {
  // The grandchild holds the pipes open: only killing the group ends the wait.
  const auto r = run_process({"sh", "-c", "sleep 30 & sleep 30"}, 0.5);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.signal, 9);
  EXPECT_LT(r.seconds, 5.0);
}

TEST(RunProcess, MissingProgramIsNamed) {
  const auto r = run_process({"/nonexistent/gpuparity-bench"}, 5);
  EXPECT_TRUE(r.not_found);
  EXPECT_NE(r.exec_error.find("/nonexistent/gpuparity-bench"), std::string::npos);
  EXPECT_NE(r.exec_error.find("No such file"), std::string::npos) << r.exec_error;
}

TEST(RunProcess, ArgumentsAreNotInterpretedByAShell) {
  const auto r = run_process({"echo", "$HOME;", "`id`"}, 5);
  EXPECT_EQ(r.out, "$HOME; `id`\n");
}

TEST(DisplayCommand, QuotesWhatAShellWouldSplit) {
  EXPECT_EQ(display_command({"docker", "run", "--gpus", "\"device=0,1\"", "a b", "it's"}),
            "docker run --gpus '\"device=0,1\"' 'a b' 'it'\\''s'");
}

TEST(FindOnPath, FindsShAndNotNonsense) {
  EXPECT_FALSE(find_on_path("sh").empty());
  EXPECT_TRUE(find_on_path("no-such-program-gpuparity").empty());
}

}  // namespace
}  // namespace gpuparity::harness
