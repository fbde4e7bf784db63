// --gpus: what it accepts, what each side is told, and the proof from the workloads' UUIDs.
#include "gpu_selection.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>

#include "judge.hpp"
#include "made_trial.hpp"
#include "runtime.hpp"

namespace gpuparity::harness {
namespace {

using argv = std::vector<std::string>;

const std::string uuid = "GPU-a3ef043a-5b7d-3567-53b8-28b6a4308fb8";

TEST(GpuSelection, AcceptsAllAnIndexOrAUuid) {
  EXPECT_EQ(parse_gpu_selection("all").kind, gpu_selection_kind::all);
  const auto i = parse_gpu_selection("1");
  EXPECT_EQ(i.kind, gpu_selection_kind::index);
  EXPECT_EQ(i.value, "1");
  EXPECT_EQ(parse_gpu_selection("07").value, "7");
  const auto u = parse_gpu_selection(uuid);
  EXPECT_EQ(u.kind, gpu_selection_kind::uuid);
  EXPECT_EQ(u.value, uuid);
  // The workloads report lower-case hex: a UUID typed in capitals is the same GPU.
  EXPECT_EQ(parse_gpu_selection("GPU-A3EF043A-5B7D-3567-53B8-28B6A4308FB8").value, uuid);
}

TEST(GpuSelection, AListIsRefusedWithTheFix) {
  for (const char* list :
       {"0,1", "1,",
        "GPU-a3ef043a-5b7d-3567-53b8-28b6a4308fb8,GPU-00000000-0000-0000-0000-000000000001"}) {
    try {
      parse_gpu_selection(list);
      ADD_FAILURE() << list << " was accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("one GPU per run"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("--gpus 0, then --gpus 1"), std::string::npos);
    }
  }
}

TEST(GpuSelection, RefusesWhatIsNoGpu) {
  for (const char* bad :
       {"", "-1", "gpu0", "GPU-a3ef043a", "GPU-a3ef043a-5b7d-3567-53b8-28b6a4308fb8x",
        "GPU-g3ef043a-5b7d-3567-53b8-28b6a4308fb8", "99999", "device=1",
        "MIG-a3ef043a-5b7d-3567-53b8-28b6a4308fb8"})
    EXPECT_THROW(parse_gpu_selection(bad), std::invalid_argument) << bad;
}

TEST(GpuSelection, TheNativeSideIsToldTheSelection) {
  EXPECT_TRUE(native_gpu_environment(parse_gpu_selection("all")).empty());
  // An index is nvidia-smi's (PCI bus order), as the container toolkits number GPUs.
  EXPECT_EQ(native_gpu_environment(parse_gpu_selection("1")),
            (environment_list{{"CUDA_DEVICE_ORDER", "PCI_BUS_ID"}, {"CUDA_VISIBLE_DEVICES", "1"}}));
  EXPECT_EQ(native_gpu_environment(parse_gpu_selection(uuid)),
            (environment_list{{"CUDA_VISIBLE_DEVICES", uuid}}));
}

container_config config_for(runtime_kind kind, const std::string& gpus) {
  container_config c;
  c.kind = kind;
  c.image = "img";
  c.gpus = parse_gpu_selection(gpus);
  return c;
}

TEST(GpuSelection, EachRuntimeIsToldTheSameGpu) {
  const std::pair<runtime_kind, std::vector<argv>> expected[] = {
      {runtime_kind::docker,
       {{"--gpus", "all"}, {"--gpus", "device=1"}, {"--gpus", "device=" + uuid}}},
      {runtime_kind::podman,
       {{"--device", "nvidia.com/gpu=all"},
        {"--device", "nvidia.com/gpu=1"},
        {"--device", "nvidia.com/gpu=" + uuid}}},
      {runtime_kind::apptainer,
       {{"--nv"},
        {"--nv", "--env", "CUDA_DEVICE_ORDER=PCI_BUS_ID", "--env", "CUDA_VISIBLE_DEVICES=1"},
        {"--nv", "--env", "CUDA_VISIBLE_DEVICES=" + uuid}}},
  };
  const std::string selections[] = {"all", "1", uuid};
  for (const auto& [kind, flags] : expected)
    for (std::size_t i = 0; i < 3; ++i) {
      const auto c = config_for(kind, selections[i]);
      EXPECT_EQ(gpu_flags(c), flags[i]) << runtime_name(kind) << " " << selections[i];
      // The flags come before the image, the workload after it.
      const auto cmd = container_command(c, "n", {"gpuparity-bench"});
      const auto at = std::search(cmd.begin(), cmd.end(), flags[i].begin(), flags[i].end());
      ASSERT_NE(at, cmd.end()) << runtime_name(kind);
      EXPECT_EQ(cmd[cmd.size() - 2], "img");
    }
}

TEST(GpuSelection, ACustomTemplateGetsItAsGpusAlsoInsideAToken) {
  for (const std::string& sel : {std::string("all"), std::string("1"), uuid}) {
    auto c = config_for(runtime_kind::custom, sel);
    c.command_template =
        split_template("enroot start -e NVIDIA_VISIBLE_DEVICES={gpus} {image} {command}");
    EXPECT_TRUE(template_passes_gpus(c.command_template));
    EXPECT_EQ(
        container_command(c, "n", {"gpuparity-bench"}),
        (argv{"enroot", "start", "-e", "NVIDIA_VISIBLE_DEVICES=" + sel, "img", "gpuparity-bench"}));
    EXPECT_TRUE(gpu_flags(c).empty());
  }
  EXPECT_FALSE(template_passes_gpus(split_template("enroot start {image} {command}")));
}

TEST(GpuSelection, NoGpuFlagsPassesNoSelectionToTheContainer) {
  auto c = config_for(runtime_kind::docker, "1");
  c.gpu_flags = false;
  EXPECT_TRUE(gpu_flags(c).empty());
}

// Trials made by hand, as the workloads would report them.
trial gpu_trial(bool container, const std::string& reported_uuid) {
  return test::made_trial(container,
                          {{"gpu_name", "NVIDIA H100 80GB HBM3"}, {"gpu_uuid", reported_uuid}});
}

evidence evidence_for(const std::vector<trial>& trials, const gpu_selection& selected) {
  const auto samples = collect(trials, {});
  return gather_evidence(trials, samples, judge(samples, run_options{}),
                         nlohmann::ordered_json::array(), "", selected);
}

const std::string other = "GPU-00000000-0000-0000-0000-000000000001";

TEST(GpuProof, BothSidesOnTheSelectedUuidIsNoMismatch) {
  const auto sel = parse_gpu_selection(uuid);
  const std::vector<trial> trials = {gpu_trial(false, uuid), gpu_trial(true, uuid)};
  EXPECT_TRUE(evidence_for(trials, sel).mismatched.empty());
  const auto j = gpu_identity_json(identify_gpus(trials, sel), sel);
  EXPECT_TRUE(j["same_gpu"].get<bool>());
  EXPECT_EQ(j["uuid"], uuid);
  EXPECT_EQ(j["selected_by"], "uuid");
  EXPECT_TRUE(j["index"].is_null());
}

// Both sides agree with each other but not with the selection: the cross-side check alone
// would call that the same GPU; it is not the one the user asked for.
TEST(GpuProof, BothSidesOnAnotherGpuThanTheSelectedUuidIsAnError) {
  const auto sel = parse_gpu_selection(uuid);
  const std::vector<trial> trials = {gpu_trial(false, other), gpu_trial(true, other)};
  const auto e = evidence_for(trials, sel);
  ASSERT_EQ(e.mismatched.size(), 1u);
  EXPECT_NE(e.mismatched[0].find("--gpus selected " + uuid), std::string::npos) << e.mismatched[0];
  EXPECT_NE(e.mismatched[0].find("native ran on " + other), std::string::npos) << e.mismatched[0];
  EXPECT_NE(e.mismatched[0].find("other side on " + other), std::string::npos) << e.mismatched[0];
  const auto d = decide_run(e);
  EXPECT_EQ(d.verdict, "error");
  EXPECT_NE(d.reason.find(uuid), std::string::npos) << d.reason;
  // Without a UUID selection the same trials are one GPU on both sides.
  EXPECT_TRUE(evidence_for(trials, {}).mismatched.empty());
  EXPECT_FALSE(gpu_identity_json(identify_gpus(trials, sel), sel)["same_gpu"].get<bool>());
}

TEST(GpuProof, OneSideOffTheSelectedUuidIsAnErrorNamingBoth) {
  const auto sel = parse_gpu_selection(uuid);
  for (bool container_off : {false, true}) {
    const auto e = evidence_for({gpu_trial(false, container_off ? uuid : other),
                                 gpu_trial(true, container_off ? other : uuid)},
                                sel);
    ASSERT_EQ(e.mismatched.size(), 1u);
    EXPECT_NE(e.mismatched[0].find("native ran on " + (container_off ? uuid : other)),
              std::string::npos)
        << e.mismatched[0];
    EXPECT_EQ(decide_run(e).verdict, "error");
  }
  // A side that named no GPU at all is no proof either.
  EXPECT_EQ(evidence_for({gpu_trial(false, uuid), gpu_trial(true, "")}, sel).mismatched.size(), 1u);
}

// An index: the report records the UUID it named natively; the container must report it.
TEST(GpuProof, AnIndexRecordsTheUuidItResolvedTo) {
  const auto sel = parse_gpu_selection("1");
  const std::vector<trial> same = {gpu_trial(false, uuid), gpu_trial(true, uuid)};
  const auto j = gpu_identity_json(identify_gpus(same, sel), sel);
  EXPECT_EQ(j["index"], 1);
  EXPECT_EQ(j["index_resolved_to"], uuid);
  EXPECT_EQ(j["uuid"], uuid);
  EXPECT_TRUE(evidence_for(same, sel).mismatched.empty());
  const std::vector<trial> apart = {gpu_trial(false, uuid), gpu_trial(true, other)};
  const auto e = evidence_for(apart, sel);
  ASSERT_EQ(e.mismatched.size(), 1u);
  EXPECT_NE(e.mismatched[0].find("GPU UUID: native " + uuid), std::string::npos);
  const auto k = gpu_identity_json(identify_gpus(apart, sel), sel);
  EXPECT_EQ(k["index_resolved_to"], uuid);
  EXPECT_FALSE(k["same_gpu"].get<bool>());
  EXPECT_TRUE(k["uuid"].is_null());
}

}  // namespace
}  // namespace gpuparity::harness
