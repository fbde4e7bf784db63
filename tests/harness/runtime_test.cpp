#include "runtime.hpp"

#include <gtest/gtest.h>

namespace gpuparity::harness {
namespace {

using argv = std::vector<std::string>;

TEST(ContainerCommand, DockerUsesGpusAllAndNamesTheContainer) {
  container_config c;
  c.image = "gpuparity/cuda:0.1.0";
  c.extra = {"--shm-size=8g"};
  EXPECT_EQ(container_command(c, "gp-1", {"gpuparity-bench", "--benchmark_format=json"}),
            (argv{"docker", "run", "--rm", "--name", "gp-1", "--gpus", "all", "--shm-size=8g",
                  "gpuparity/cuda:0.1.0", "gpuparity-bench", "--benchmark_format=json"}));
  EXPECT_EQ(kill_command(c, "gp-1"), (argv{"docker", "kill", "gp-1"}));
}

TEST(ContainerCommand, PodmanUsesCdiDevices) {
  container_config c;
  c.kind = runtime_kind::podman;
  c.image = "localhost/gpuparity/cuda:0.1.0";
  EXPECT_EQ(container_command(c, "n", {"true"}),
            (argv{"podman", "run", "--rm", "--name", "n", "--device", "nvidia.com/gpu=all",
                  "localhost/gpuparity/cuda:0.1.0", "true"}));
}

TEST(ContainerCommand, ApptainerUsesNvAndExec) {
  container_config c;
  c.kind = runtime_kind::apptainer;
  c.engine = "/opt/apptainer/bin/apptainer";
  c.image = "gpuparity.sif";
  EXPECT_EQ(
      container_command(c, "ignored", {"gpuparity-bench"}),
      (argv{"/opt/apptainer/bin/apptainer", "exec", "--nv", "gpuparity.sif", "gpuparity-bench"}));
  EXPECT_TRUE(kill_command(c, "x").empty());
}

TEST(ContainerCommand, NoGpuFlagsLeavesTheUsersOwn) {
  container_config c;
  c.kind = runtime_kind::podman;
  c.gpu_flags = false;
  c.extra = {"--gpus", "all"};
  c.image = "img";
  EXPECT_EQ(container_command(c, "n", {"true"}),
            (argv{"podman", "run", "--rm", "--name", "n", "--gpus", "all", "img", "true"}));
}

TEST(ContainerCommand, CustomTemplateSplicesTheCommand) {
  container_config c;
  c.kind = runtime_kind::custom;
  c.image = "pyxis-img";
  c.command_template = split_template("enroot start --root {image} {command}");
  EXPECT_EQ(container_command(c, "n", {"gpuparity-bench", "--x"}),
            (argv{"enroot", "start", "--root", "pyxis-img", "gpuparity-bench", "--x"}));
  c.command_template = split_template("ctr run --rm {image} {name}");
  EXPECT_EQ(container_command(c, "n", {"true"}),
            (argv{"ctr", "run", "--rm", "pyxis-img", "n", "true"}));
}

TEST(ContainerCommand, CustomKillTemplateNamesTheContainer) {
  container_config c;
  c.kind = runtime_kind::custom;
  c.image = "img";
  c.command_template = split_template("ctr run --rm {image} {name} {command}");
  EXPECT_TRUE(kill_command(c, "gp-7").empty());  // no kill template: nothing to run
  c.kill_template = split_template("ctr task kill -s SIGKILL {name}");
  EXPECT_EQ(kill_command(c, "gp-7"), (argv{"ctr", "task", "kill", "-s", "SIGKILL", "gp-7"}));
  c.kind = runtime_kind::docker;  // the built-in runtimes keep their own
  EXPECT_EQ(kill_command(c, "gp-7"), (argv{"docker", "kill", "gp-7"}));
}

// The engines' own words (docker 20.10 and 28, podman 4 remote) for a daemon that is not
// there or a socket the user may not use; an image that is missing is not such a case.
TEST(EngineUnreachable, NamesTheServiceOrTheSocketPermission) {
  const auto down = engine_unreachable_fix(
      "docker",
      "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon "
      "running?");
  EXPECT_NE(down.find("systemctl start docker"), std::string::npos) << down;
  const auto perm = engine_unreachable_fix(
      "docker",
      "permission denied while trying to connect to the Docker daemon socket at "
      "unix:///var/run/docker.sock: Get \"http://%2Fvar%2Frun%2Fdocker.sock/v1.24/images/x/json\": "
      "dial unix /var/run/docker.sock: connect: permission denied");
  EXPECT_NE(perm.find("group that owns the socket"), std::string::npos) << perm;
  EXPECT_NE(engine_unreachable_fix("podman",
                                   "Cannot connect to Podman. Please verify your connection to "
                                   "the Linux system using `podman system connection list`"),
            "");
  EXPECT_EQ(engine_unreachable_fix("docker", "Error: No such image: gpuparity/cuda:0.1.0"), "");
  EXPECT_EQ(engine_unreachable_fix("podman", "Error: gpuparity/x: image not known"), "");
}

// crun's words on the H100 machine (podman 4.3, no CAP_SYS_RESOURCE, --ulimit nofile=16:16:
// results/.../podman-2026-12-07/fault-rlimit-nofile-16) and runc's (docker); the limit is
// named, runc's number translated, the --ulimit flags passed are quoted.
TEST(EngineRlimit, NamesTheLimitTheEngineCouldNotSet) {
  // The limit was not passed: podman added nproc itself, and the fix says which flag to give.
  const auto crun = engine_rlimit_fix(
      "Error: crun: setrlimit `RLIMIT_NPROC`: Operation not permitted: OCI permission denied",
      {"--ulimit=nofile=16:16", "--cpus", "2"});
  EXPECT_NE(crun.find("RLIMIT_NPROC"), std::string::npos) << crun;
  EXPECT_NE(crun.find("the engine added it itself"), std::string::npos) << crun;
  EXPECT_NE(crun.find("beside --ulimit nofile=16:16"), std::string::npos) << crun;
  EXPECT_NE(crun.find("Pass --ulimit nproc=N:N"), std::string::npos) << crun;
  // The limit passed is the one refused: lower it.
  const auto runc = engine_rlimit_fix(
      "docker: Error response from daemon: failed to create shim task: OCI runtime create "
      "failed: runc create failed: unable to start container process: error during container "
      "init: error setting rlimits for ready process: error setting rlimit type 8: operation "
      "not permitted: unknown.",
      {"--ulimit", "memlock=-1:-1"});
  EXPECT_NE(runc.find("RLIMIT_MEMLOCK"), std::string::npos) << runc;
  EXPECT_NE(runc.find("Lower --ulimit memlock=-1:-1 to a value the engine may set"),
            std::string::npos) << runc;
  EXPECT_NE(runc.find("lower than your shell's"), std::string::npos) << runc;
  EXPECT_EQ(runc.find("added it itself"), std::string::npos) << runc;
  // An invalid value is not a missing capability.
  const auto invalid =
      engine_rlimit_fix("crun: setrlimit `RLIMIT_NOFILE`: Invalid argument", {"--ulimit=nofile=9:8"});
  EXPECT_NE(invalid.find("soft limit above its hard limit"), std::string::npos) << invalid;
  EXPECT_EQ(invalid.find("CAP_SYS_RESOURCE"), std::string::npos) << invalid;
  // An unknown type number still gets the advice, without a wrong name.
  const auto odd = engine_rlimit_fix("error setting rlimit type 99: operation not permitted", {});
  EXPECT_NE(odd.find("a resource limit"), std::string::npos) << odd;
  EXPECT_EQ(engine_rlimit_fix("Error: gpuparity/x: image not known", {"--ulimit=nofile=16:16"}), "");
  EXPECT_EQ(engine_rlimit_fix("could not select device driver \"\" with capabilities: [[gpu]]", {}),
            "");
  // Both limits passed, the open-file one too low for crun itself (the H100 machine, podman
  // 4.3: --ulimit nproc=1000:1000 --ulimit nofile=16:16): not a refusal, an exhaustion.
  const std::string crun_out = "Error: OCI runtime error: crun: openat2 `usr/local`: Too many open files";
  const std::vector<std::string> both = {"--ulimit=nproc=1000:1000", "--ulimit=nofile=16:16"};
  EXPECT_EQ(engine_rlimit_fix(crun_out, both), "");
  const auto fds = engine_open_files_fix(crun_out, both);
  EXPECT_NE(fds.find("ran out of open files"), std::string::npos) << fds;
  EXPECT_NE(fds.find("(--ulimit nofile=16:16)"), std::string::npos) << fds;
  EXPECT_NE(fds.find("--ulimit nofile=1048576:1048576"), std::string::npos) << fds;
  EXPECT_EQ(engine_open_files_fix(crun_out, {"--ulimit=nproc=1000:1000"}), "");
  EXPECT_EQ(engine_open_files_fix("Error: image not known", both), "");
  // A mention of rlimits on one line and a permission problem on another is not a refusal.
  EXPECT_EQ(engine_rlimit_fix("WARN: setrlimit of RLIMIT_CORE skipped\nError: open "
                              "/dev/nvidia0: permission denied",
                              {}),
            "");
}

TEST(ContainerCommand, InputStaysOneArgument) {
  container_config c;
  c.image = "img; rm -rf /";  // never interpreted by a shell
  const auto cmd = container_command(c, "n", {"true"});
  EXPECT_EQ(cmd[cmd.size() - 2], "img; rm -rf /");
}

TEST(ParseRuntime, KnowsTheFour) {
  EXPECT_EQ(parse_runtime("podman"), runtime_kind::podman);
  EXPECT_FALSE(parse_runtime("lxc").has_value());
}

}  // namespace
}  // namespace gpuparity::harness
