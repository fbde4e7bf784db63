#include "fleet_cli.hpp"

#include <chrono>
#include <iostream>

#include "cli_common.hpp"
#include "output_path.hpp"
#include "report.hpp"
#include "run.hpp"

namespace gpuparity::harness {

using json = nlohmann::ordered_json;

CLI::App* add_fleet_command(CLI::App& app, fleet_cli& v) {
  auto* f = app.add_subcommand(
      "fleet", "merge many nodes' run reports: each node's verdict, the fleet's outlier nodes");
  f->add_option("REPORT", v.inputs, "run reports, or folders searched for *.report.json")
      ->required();
  f->add_option("-o,--output", v.out, "write the fleet document (JSON) here (\"-\": stdout)");
  f->add_option("--markdown", v.markdown, "also write Markdown here");
  f->add_option("--junit", v.junit, "also write JUnit XML here (a test case per node)");
  f->add_option("--prom", v.prom, "also write the Prometheus text format here");
  f->add_option("--html", v.html, "also write an HTML page here");
  f->add_option("--min-nodes", v.o.min_nodes,
                "nodes that must measure a metric before its outliers are judged (default 5)")
      ->check(CLI::Range(3, 1000000));
  f->add_option("--outlier-threshold", v.o.outlier_threshold,
                "K: outlier beyond max(K x scaled MAD, the metric's margin) (default 3.5)")
      ->check(CLI::Range(0.5, 100.0));
  return f;
}

int fleet_command(const fleet_cli& v, int argc, char** argv) {
  const auto files = fleet_inputs(v.inputs);
  std::vector<named_path> reports;
  for (const auto& p : files) reports.push_back({"REPORT", p});
  if (const int code = refused(check_output_paths({{"-o", v.out},
                                                   {"--junit", v.junit},
                                                   {"--prom", v.prom},
                                                   {"--markdown", v.markdown},
                                                   {"--html", v.html}},
                                                  reports, true, ""),
                               " fleet"))
    return code;
  if (files.empty()) {
    std::cerr << "gpuparity fleet: ERROR: no *.report.json found in the folder(s) given\n";
    return exit_error;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<fleet_node> nodes;
  nodes.reserve(files.size());
  for (const auto& p : files) nodes.push_back(read_fleet_node(p));
  const json doc = make_fleet(nodes, v.o, std::vector<std::string>(argv, argv + argc));
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const bool summary_to_stdout =
      v.out != "-" && v.markdown != "-" && v.junit != "-" && v.prom != "-" && v.html != "-";
  if (summary_to_stdout) std::cout << fleet_markdown(doc);
  for (const auto& n : doc["nodes"])
    if (!n["readable"].get<bool>())
      std::cerr << "gpuparity fleet: " << n["source"].get<std::string>()
                << " is a node in error: " << n["reason"].get<std::string>() << "\n";
  std::cerr << "gpuparity fleet: " << files.size() << " report(s) merged in " << seconds << " s\n";
  if (!v.out.empty()) {
    const auto err = write_report(v.out, doc);
    if (!err.empty()) {
      std::cerr << "gpuparity fleet: ERROR: " << err << "\n";
      return exit_error;
    }
  }
  const std::pair<const std::string*, std::string (*)(const json&)> renderings[] = {
      {&v.markdown, fleet_markdown},
      {&v.junit, fleet_junit},
      {&v.prom, fleet_prometheus},
      {&v.html, fleet_html}};
  for (const auto& [path, render] : renderings) {
    if (path->empty()) continue;
    const auto err = write_output(*path, render(doc));
    if (!err.empty()) {
      std::cerr << "gpuparity fleet: ERROR: " << err << "\n";
      return exit_error;
    }
  }
  return doc["exit_code"].get<int>();
}

}  // namespace gpuparity::harness
