#include "node_cli.hpp"

#include <iostream>

#include "cli_common.hpp"
#include "interrupt.hpp"
#include "output_path.hpp"

namespace gpuparity::harness {
namespace {

const char* const node_examples = R"(Examples:
  gpuparity node --image gpuparity/prebuilt:0.1.0 -o node.json
      every GPU nvidia-smi lists, one after the other, then the node-wide peer/nccl run;
      each run's report next to node.json (node.gpu0.json, ..., node.node-wide.json)
  gpuparity node --image IMAGE --gpus 0,3 --budget 300 --junit node.xml --prom node.prom
      GPUs 0 and 3 only, five minutes of trials each

The budget is per run: the node takes about (GPUs + 1) x --budget, plus start-ups.
Exit codes as for run (the worst part's): 0 parity, 1 degraded, 2 usage, 3 inconclusive,
4 error, 5 not comparable with --baseline, 129/130/143 interrupted. Details: docs/node.md.
)";

}  // namespace

CLI::App* add_node_command(CLI::App& app, node_cli& v) {
  node_options& o = v.o;
  auto* node = app.add_subcommand(
      "node",
      "judge every GPU of a node: one run per GPU (by UUID, one after the other), then one "
      "node-wide run of the peer/ and nccl/ cases; the node's verdict is the worst");
  add_run_options(node, v.run);
  node->add_option("--gpus", o.gpus,
                   "all (default: every GPU nvidia-smi lists), or a list of indices and UUIDs "
                   "(0,2 or GPU-...,1)");
  node->add_option("--nvidia-smi", o.nvidia_smi,
                   "the nvidia-smi that lists the GPUs (default: nvidia-smi on PATH)");
  node->add_flag(
      "--no-node-wide", [&o](std::int64_t) { o.node_wide = false; },
      "only the per-GPU runs, no node-wide peer/nccl run");
  node->add_option("-o,--output", o.output,
                   "node report path (default gpuparity-node.json); each run's report goes next "
                   "to it, see --reports-prefix");
  node->add_option("--reports-prefix", o.reports_prefix,
                   "each run's report is PREFIXgpu<index>.json and PREFIXnode-wide.json (default: "
                   "the node report's path without .json, then a dot)");
  node->add_option("--junit", o.junit, "also write JUnit XML here (a suite per GPU)");
  node->add_option("--prom", o.prometheus,
                   "also write the Prometheus text format here (labels gpu_uuid, gpu_index, "
                   "gpu_bus_id)");
  node->add_option("--markdown", o.markdown, "also write Markdown here");
  node->footer(node_examples);
  return node;
}

int node_command(node_cli& v, int argc, char** argv) {
  node_options& o = v.o;
  // Every per-GPU run selects its GPU by UUID: check the options as for such a run (a
  // custom template must pass {gpus}).
  v.run.gpus = "(each GPU's UUID, as node selects it)";
  if (const int code = check_run_options(
          v.run, {gpu_selection_kind::uuid, "GPU-00000000-0000-0000-0000-000000000000"}))
    return code;
  o.run = v.run.o;
  o.run.argv.assign(argv, argv + argc);
  o.run.self_path = self_path(argv[0]);
  o.argv = o.run.argv;
  if (o.run.dry_run) {
    std::cerr << "gpuparity node: --dry-run is run's: try gpuparity run --dry-run --gpus UUID\n";
    return exit_usage;
  }
  if (!o.run.baseline.empty()) {
    // run keeps a GPU's verdict "parity" beside a regression's exit code: the node's verdict
    // and renderings would show a regression as parity.
    std::cerr << "gpuparity node: --baseline is run's: gate each GPU against its baseline with "
                 "gpuparity run --gpus UUID --baseline FILE\n";
    return exit_usage;
  }
  // The reports of the runs are outputs too: all checked before the first trial.
  std::vector<named_path> outputs = {
      {"-o", o.output},
      {"--junit", o.junit},
      {"--prom", o.prometheus},
      {"--markdown", o.markdown},
      {"a run's report (--reports-prefix)", node_wide_report_path(o)},
      {"a run's report (--reports-prefix)", node_gpu_report_path(o, 0)}};
  const auto problem = check_output_paths(
      outputs,
      {{"--baseline", o.run.baseline},
       {"--bench", o.run.bench_path},
       {"--torch", o.run.torch_path}},
      false, "node prints its summary there, and writes its report atomically to a file");
  if (const int code = refused(problem, " node")) return code;
  install_interrupt_handlers();
  return run_node(o);
}

}  // namespace gpuparity::harness
