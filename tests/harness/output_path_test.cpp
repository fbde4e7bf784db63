// Output paths: what a write does to each kind of target, and which outputs are refused
// before a command does any work.
#include "output_path.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "error_document.hpp"
#include "json_util.hpp"
#include "output_file.hpp"
#include "report.hpp"
#include "run.hpp"

namespace gpuparity::harness {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream f(path);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

// A fresh folder per test.
std::string fresh_dir(const char* tag) {
  const std::string d =
      ::testing::TempDir() + "gpuparity_outpath_" + tag + "_" + std::to_string(getpid());
  std::filesystem::remove_all(d);
  EXPECT_EQ(mkdir(d.c_str(), 0755), 0);
  return d;
}

mode_t lmode(const std::string& path) {
  struct stat st {};
  return lstat(path.c_str(), &st) == 0 ? st.st_mode : 0;
}

TEST(InspectOutput, NamesEachKindOfTarget) {
  const auto d = fresh_dir("kinds");
  EXPECT_EQ(inspect_output(d + "/new.json").kind, output_kind::absent);
  std::ofstream(d + "/old.json") << "x";
  EXPECT_EQ(inspect_output(d + "/old.json").kind, output_kind::regular);
  const auto folder = inspect_output(d);
  EXPECT_EQ(folder.kind, output_kind::unusable);
  EXPECT_NE(folder.error.find("a folder"), std::string::npos) << folder.error;
  const auto missing = inspect_output(d + "/no/such/r.json");
  EXPECT_EQ(missing.kind, output_kind::unusable);
  EXPECT_NE(missing.error.find("does not exist"), std::string::npos) << missing.error;
  ASSERT_EQ(mkfifo((d + "/fifo").c_str(), 0644), 0);
  EXPECT_EQ(inspect_output(d + "/fifo").kind, output_kind::stream);
  EXPECT_EQ(inspect_output("/dev/null").kind, output_kind::stream);
  ASSERT_EQ(symlink("old.json", (d + "/link.json").c_str()), 0);
  const auto link = inspect_output(d + "/link.json");
  EXPECT_EQ(link.kind, output_kind::regular);
  EXPECT_EQ(link.file, d + "/old.json");
  ASSERT_EQ(symlink("loop2", (d + "/loop1").c_str()), 0);
  ASSERT_EQ(symlink("loop1", (d + "/loop2").c_str()), 0);
  EXPECT_EQ(inspect_output(d + "/loop1").kind, output_kind::unusable);
  EXPECT_EQ(inspect_output("").kind, output_kind::unusable);
}

TEST(WriteOutputFile, WritesThroughALinkAndKeepsIt) {
  const auto d = fresh_dir("link");
  std::ofstream(d + "/real.json") << "old";
  ASSERT_EQ(symlink("real.json", (d + "/link.json").c_str()), 0);
  EXPECT_EQ(write_output_file(d + "/link.json", "new"), "");
  EXPECT_TRUE(S_ISLNK(lmode(d + "/link.json")));
  EXPECT_EQ(slurp(d + "/real.json"), "new");
  // A dangling link: the file it names is made, the link stays.
  ASSERT_EQ(symlink("made.json", (d + "/dangling.json").c_str()), 0);
  EXPECT_EQ(write_output_file(d + "/dangling.json", "made"), "");
  EXPECT_TRUE(S_ISLNK(lmode(d + "/dangling.json")));
  EXPECT_EQ(slurp(d + "/made.json"), "made");
}

TEST(WriteOutputFile, KeepsTheModeOfAReplacedFile) {
  const auto d = fresh_dir("mode");
  std::ofstream(d + "/r.json") << "old";
  ASSERT_EQ(chmod((d + "/r.json").c_str(), 0640), 0);
  EXPECT_EQ(write_output_file(d + "/r.json", "new"), "");
  EXPECT_EQ(lmode(d + "/r.json") & 07777, 0640u);
  EXPECT_EQ(slurp(d + "/r.json"), "new");
}

// A character device is written in place, never replaced by a regular file. A private
// null device where one can be made (root), else /dev/null itself, which a process that is
// not root could not replace even before this rule.
TEST(WriteOutputFile, WritesACharacterDeviceInPlace) {
  const auto d = fresh_dir("chr");
  std::string dev = d + "/null";
  if (mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 3)) != 0) {
    if (geteuid() == 0) GTEST_SKIP() << "cannot make a private null device here";
    dev = "/dev/null";
  }
  EXPECT_EQ(write_output_file(dev, "{}\n"), "");
  EXPECT_TRUE(S_ISCHR(lmode(dev)));
  EXPECT_TRUE(gpuparity::write_file_atomically(dev, "again"));
  EXPECT_TRUE(S_ISCHR(lmode(dev)));
  EXPECT_TRUE(S_ISCHR(lmode("/dev/null")));
}

TEST(WriteOutputFile, AFifoNobodyReadsIsAnErrorNotAHangNorAFile) {
  const auto d = fresh_dir("fifo");
  ASSERT_EQ(mkfifo((d + "/fifo").c_str(), 0644), 0);
  const auto err = write_output_file(d + "/fifo", "x");
  EXPECT_NE(err.find("nobody reads"), std::string::npos) << err;
  EXPECT_TRUE(S_ISFIFO(lmode(d + "/fifo")));
}

TEST(SameFile, ByInodeWhereTheFilesExistAndByPathWhereNot) {
  const auto d = fresh_dir("same");
  std::ofstream(d + "/a.json") << "a";
  ASSERT_EQ(link((d + "/a.json").c_str(), (d + "/hard.json").c_str()), 0);
  ASSERT_EQ(symlink("a.json", (d + "/soft.json").c_str()), 0);
  EXPECT_TRUE(same_file(d + "/a.json", d + "/hard.json"));
  EXPECT_TRUE(same_file(d + "/soft.json", d + "/a.json"));
  EXPECT_TRUE(same_file(d + "/new.json", d + "/./sub/../new.json"));
  EXPECT_FALSE(same_file(d + "/a.json", d + "/new.json"));
  EXPECT_FALSE(same_file(d + "/x.json", d + "/y.json"));
}

TEST(CheckOutputPaths, RefusesWithTheRightExitCode) {
  const auto d = fresh_dir("check");
  std::ofstream(d + "/in.json") << "{}";
  const std::vector<named_path> in = {{"--baseline", d + "/in.json"}};
  EXPECT_EQ(check_output_paths({{"-o", d + "/out.json"}}, in, false, "").exit_code, 0);
  const auto same = check_output_paths({{"-o", d + "/in.json"}}, in, false, "");
  EXPECT_EQ(same.exit_code, exit_usage);
  EXPECT_NE(same.message.find("--baseline"), std::string::npos) << same.message;
  EXPECT_EQ(
      check_output_paths({{"-o", d + "/r"}, {"--junit", d + "/./r"}}, {}, false, "").exit_code,
      exit_usage);
  const auto folder = check_output_paths({{"--junit", d}}, {}, false, "");
  EXPECT_EQ(folder.exit_code, exit_error);
  EXPECT_NE(folder.message.find("--junit"), std::string::npos) << folder.message;
  EXPECT_EQ(check_output_paths({{"-o", "-"}}, {}, false, "run prints").exit_code, exit_usage);
  EXPECT_EQ(check_output_paths({{"-o", "-"}}, {}, true, "").exit_code, 0);
  EXPECT_EQ(check_output_paths({{"-o", "-"}, {"--junit", "-"}}, {}, true, "").exit_code,
            exit_usage);
  // Character devices are written in place: two outputs may share /dev/null.
  EXPECT_EQ(
      check_output_paths({{"-o", "/dev/null"}, {"--junit", "/dev/null"}}, {}, false, "").exit_code,
      0);
}

// Workload stderr is bytes: cut inside a UTF-8 character, or binary, it is still written.
TEST(WriteReport, InvalidUtf8InCapturedTextIsReplacedNotThrown) {
  const auto d = fresh_dir("utf8");
  nlohmann::ordered_json doc;
  doc["stderr_tail"] = std::string("warning: caf\xc3");
  doc["binary"] = nlohmann::ordered_json::array({std::string("\x00\x01\xff\xfe", 4)});
  std::string err;
  ASSERT_NO_THROW(err = write_report(d + "/r.json", doc));
  EXPECT_EQ(err, "");
  const auto back = nlohmann::json::parse(slurp(d + "/r.json"));
  EXPECT_EQ(back["stderr_tail"], "warning: caf\xef\xbf\xbd");  // U+FFFD
  EXPECT_NO_THROW(json_text(doc, "binary"));
  EXPECT_NO_THROW(dump_document(doc));
}

}  // namespace
}  // namespace gpuparity::harness
