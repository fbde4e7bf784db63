// The rank group with shell scripts as ranks: the id relay, the environment, and that a hung,
// failing or chatty rank ends the group with every process gone.
#include "rank_group.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>
#include <thread>

#include "../fresh_dir.hpp"

namespace gpuparity {
namespace {

rank_group_spec shell_group(const std::vector<std::string>& scripts, double deadline_s = 60) {
  rank_group_spec spec;
  spec.executable = "/bin/sh";
  for (std::size_t r = 0; r < scripts.size(); ++r)
    spec.argv.push_back({"sh", "-c", scripts[r], "rank" + std::to_string(r)});
  spec.deadline_s = deadline_s;
  return spec;
}

// True once `pid` no longer exists (or is a zombie nobody of ours will reap); waits up to 10 s.
bool gone(pid_t pid) {
  for (int i = 0; i < 1000; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!stat || !std::getline(stat, line)) return true;
    const auto close_paren = line.rfind(')');
    if (close_paren != std::string::npos && line.size() > close_paren + 2 &&
        line[close_paren + 2] == 'Z')
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

const char* rank0_ok =
    "echo noise before; echo gpuparity_unique_id 00ff; echo gpuparity_samples 0.5 0.25; "
    "echo gpuparity_status passed";
const char* rank_reads_id =
    "read line; echo \"got $line\"; echo gpuparity_samples 0.25 0.75; echo gpuparity_status passed";

TEST(RankGroup, RelaysRankZerosIdToTheOthers) {
  const auto g = run_rank_group(shell_group({rank0_ok, rank_reads_id, rank_reads_id}));
  EXPECT_EQ(g.error, "");
  EXPECT_FALSE(g.timed_out);
  ASSERT_EQ(g.ranks.size(), 3u);
  for (const auto& r : g.ranks) EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(g.ranks[1].out.find("got gpuparity_unique_id 00ff"), std::string::npos)
      << g.ranks[1].out;
  EXPECT_NE(g.ranks[2].out.find("got gpuparity_unique_id 00ff"), std::string::npos);
  const auto r0 = parse_rank_report(g.ranks[0].out);
  EXPECT_EQ(r0.unique_id, "00ff");
  EXPECT_EQ(r0.status, "passed");
  const auto r1 = parse_rank_report(g.ranks[1].out);
  EXPECT_EQ(slowest_rank_samples({r0.samples, r1.samples}), (std::vector<double>{0.5, 0.75}));
}

TEST(RankGroup, OneRankNeedsNoRelay) {
  const auto g = run_rank_group(shell_group({"echo gpuparity_status passed"}));
  EXPECT_EQ(g.error, "");
  EXPECT_EQ(parse_rank_report(g.ranks[0].out).status, "passed");
}

TEST(RankGroup, RanksGetTheGivenEnvironment) {
  setenv("GPUPARITY_TEST_RANK_VAR", "parent", 1);
  auto spec = shell_group({"echo \"v=$NCCL_NVLS_ENABLE w=$GPUPARITY_TEST_RANK_VAR\""});
  spec.environment = {"NCCL_NVLS_ENABLE=0", "GPUPARITY_TEST_RANK_VAR=rank"};
  const auto g = run_rank_group(spec);
  unsetenv("GPUPARITY_TEST_RANK_VAR");
  EXPECT_EQ(g.ranks[0].out, "v=0 w=rank\n");
}

TEST(RankGroup, AFailingRankEndsTheGroupAtOnce) {
  // Rank 0 would wait 1000 s (as NCCL ranks wait for a dead peer); rank 1 fails.
  const auto g = run_rank_group(
      shell_group({"echo gpuparity_unique_id 01; sleep 1000",
                   "read line; echo 'gpuparity_status incorrect: element 3 is 2'; exit 3"},
                  120));
  EXPECT_FALSE(g.timed_out);  // killed because rank 1 failed, not at the deadline
  EXPECT_NE(g.error.find("rank 1 exited 3: incorrect: element 3 is 2"), std::string::npos)
      << g.error;
  EXPECT_EQ(g.ranks[0].signal, SIGKILL);
  EXPECT_TRUE(gone(g.ranks[0].pid));
}

TEST(RankGroup, AHungRankIsKilledAtTheDeadlineWithItsChildren) {
  const std::string dir = test::fresh_dir("rank_group");
  const std::string pid_file = dir + "/grandchild";
  const auto g =
      run_rank_group(shell_group({"echo gpuparity_unique_id 01; echo gpuparity_status passed",
                                  "sleep 1000 & echo $! > " + pid_file + "; read line; wait"},
                                 1.0));
  EXPECT_TRUE(g.timed_out);
  EXPECT_NE(g.error.find("did not finish within 1 s"), std::string::npos) << g.error;
  EXPECT_NE(g.error.find("still running: rank 1"), std::string::npos) << g.error;
  EXPECT_EQ(g.ranks[1].signal, SIGKILL);
  std::ifstream f(pid_file);
  pid_t grandchild = 0;
  ASSERT_TRUE(f >> grandchild);
  EXPECT_TRUE(gone(grandchild));  // the whole process group, not only the rank
}

TEST(RankGroup, RankZeroWithoutAnIdEndsTheGroup) {
  const auto g = run_rank_group(shell_group(
      {"echo 'gpuparity_status not_supported: NCCL could not be loaded'", "read line; sleep 1000"},
      120));
  EXPECT_FALSE(g.timed_out);
  EXPECT_NE(g.error.find("rank 0 closed its output without printing the communicator's id: "
                         "not_supported: NCCL could not be loaded"),
            std::string::npos)
      << g.error;
  EXPECT_TRUE(gone(g.ranks[1].pid));
}

TEST(RankGroup, ARankThatNeverGetsItsIdTimesOut) {
  const auto g = run_rank_group(shell_group({"sleep 1000", "read line"}, 0.5));
  EXPECT_TRUE(g.timed_out);
  EXPECT_TRUE(gone(g.ranks[0].pid));
  EXPECT_TRUE(gone(g.ranks[1].pid));
}

TEST(RankGroup, RunawayOutputEndsTheGroup) {
  const auto g = run_rank_group(shell_group({"head -c 3000000 /dev/zero; sleep 1000"}, 120));
  EXPECT_FALSE(g.timed_out);
  EXPECT_NE(g.error.find("wrote more than"), std::string::npos) << g.error;
  EXPECT_TRUE(gone(g.ranks[0].pid));
}

TEST(RankGroup, AMissingProgramThrows) {
  auto spec = shell_group({"true"});
  spec.executable = "/nonexistent/gpuparity-rank";
  EXPECT_THROW(run_rank_group(spec), std::runtime_error);
}

TEST(RankReport, ReadsTaggedLinesAndIgnoresTheRest) {
  const auto r = parse_rank_report(
      "host:1:1 [0] NCCL INFO Bootstrap\n"
      "gpuparity_nccl_version 22703\n"
      "gpuparity_samples 1e-3 2e-3 3e-3\n"
      "gpuparity_samplesX 9\n"
      "gpuparity_status failed: ncclSystemError in comm_init_rank: x\n");
  EXPECT_EQ(r.nccl_version, 22703);
  EXPECT_EQ(r.samples, (std::vector<double>{1e-3, 2e-3, 3e-3}));
  EXPECT_TRUE(r.has_status);
  EXPECT_EQ(r.status, "failed");
  EXPECT_EQ(r.message, "ncclSystemError in comm_init_rank: x");
  EXPECT_FALSE(parse_rank_report("no status here\n").has_status);
}

TEST(RankReport, SlowestRankPerIteration) {
  EXPECT_EQ(slowest_rank_samples({{1, 5, 2}, {3, 1, 2}, {0, 0, 4}}),
            (std::vector<double>{3, 5, 4}));
  EXPECT_THROW(slowest_rank_samples({{1, 2}, {1}}), std::invalid_argument);
  EXPECT_THROW(slowest_rank_samples({}), std::invalid_argument);
}

TEST(RankReport, HexRoundTrip) {
  const unsigned char bytes[4] = {0x00, 0xab, 0x7f, 0xff};
  EXPECT_EQ(to_hex(bytes, 4), "00ab7fff");
  unsigned char back[4] = {};
  from_hex("00AB7fff", back, 4);
  EXPECT_EQ(std::string(reinterpret_cast<char*>(back), 4),
            std::string(reinterpret_cast<const char*>(bytes), 4));
  EXPECT_THROW(from_hex("00ab7f", back, 4), std::invalid_argument);
  EXPECT_THROW(from_hex("00ab7fzz", back, 4), std::invalid_argument);
}

TEST(RankEnvironment, OverridesReplaceAndAdd) {
  char a[] = "A=1", b[] = "NCCL_NVLS_ENABLE=1", c[] = "B=2";
  char* base[] = {a, b, c, nullptr};
  EXPECT_EQ(merged_environment(base, {"NCCL_NVLS_ENABLE=0", "C=3"}),
            (std::vector<std::string>{"A=1", "B=2", "NCCL_NVLS_ENABLE=0", "C=3"}));
}

}  // namespace
}  // namespace gpuparity
