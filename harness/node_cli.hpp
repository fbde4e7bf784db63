#pragma once
// `gpuparity node`'s command line: run's options (each GPU's run takes them), and the
// node's own: --gpus as a list, --nvidia-smi, the node report and its renderings.
#include <CLI/CLI.hpp>

#include "node.hpp"
#include "run_cli.hpp"

namespace gpuparity::harness {

struct node_cli {
  run_cli run;
  node_options o;
};

CLI::App* add_node_command(CLI::App& app, node_cli& v);

// Once `node` was parsed: the checks, the output paths, then the node; its exit code.
int node_command(node_cli& v, int argc, char** argv);

}  // namespace gpuparity::harness
