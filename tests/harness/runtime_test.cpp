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
