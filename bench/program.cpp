// The driver every workload program shares: flags, GPU probe, context, running the
// registered cases, exit code. Exit codes are in status.hpp and README.md.
#include "program.hpp"

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstring>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

#include "affinity.hpp"
#include "console_reporter.hpp"
#include "environment.hpp"
#include "error_document.hpp"
#include "fan_out.hpp"
#include "gpuparity/version.hpp"
#include "verify.hpp"

namespace gpuparity {
namespace {

void add_options(CLI::App& app, bench_options& o) {
  auto bytes_option = [&app](const char* name, std::size_t& target, const char* help) {
    app.add_option_function<std::string>(
           name, [&target](const std::string& s) { target = parse_bytes(s); }, help)
        ->type_name("SIZE");
  };
  app.add_option("--device", o.device, "CUDA device index (default 0)");
  bytes_option("--stream-bytes", o.stream_bytes, "bytes per STREAM array (default 1GiB)");
  bytes_option("--copy-bytes", o.copy_bytes,
               "bytes per host<->device copy/* transfer (default 64MiB)");
  bytes_option("--d2d-bytes", o.d2d_bytes,
               "bytes per copy/d2d copy (default 256MiB: at 64MiB the H100 showed 6% less)");
  bytes_option("--peer-bytes", o.peer_bytes, "bytes per peer/bandwidth copy (default 256MiB)");
  app.add_option_function<std::vector<std::string>>(
         "--nccl-bytes",
         [&o](const std::vector<std::string>& v) {
           o.nccl_bytes.clear();
           for (const auto& s : v) o.nccl_bytes.push_back(parse_bytes(s));
         },
         "nccl/ message sizes (default 8MiB,256MiB)")
      ->delimiter(',')
      ->type_name("SIZE,SIZE");
  app.add_option("--nccl-timeout", o.nccl_timeout_s,
                 "seconds an nccl/ case's ranks may run before they are killed (default 180)")
      ->check(CLI::Range(1.0, 3600.0));
  app.add_option("--copy-buffer-sets", o.copy_buffer_sets,
                 "separately allocated buffer sets the pinned host<->device copies rotate over; "
                 "their rate is the median of the sets' (default 3)")
      ->check(CLI::Range(1, 16));
  bytes_option("--chase-bytes", o.chase_bytes, "latency/device_memory buffer (default 1GiB)");
  app.add_option("--stream-layout", o.stream.layout, "STREAM thread layout: grid_stride or tiles")
      ->transform(CLI::CheckedTransformer(std::map<std::string, stream_layout>{
          {"grid_stride", stream_layout::grid_stride}, {"tiles", stream_layout::tiles}}));
  app.add_option("--stream-hints", o.stream.streaming_hints,
                 "STREAM cache hints: streaming (evict-first) or plain")
      ->transform(CLI::CheckedTransformer(
          std::map<std::string, bool>{{"streaming", true}, {"plain", false}}));
  app.add_option("--stream-unroll", o.stream.unroll, "16-byte loads in flight per thread")
      ->check(CLI::IsMember({1, 2, 4, 8}));
  app.add_option("--stream-blocks-per-sm", o.stream.blocks_per_sm, "STREAM grid: blocks per SM")
      ->check(CLI::Range(1, 64));
  app.add_option("--stream-threads", o.stream.threads, "STREAM threads per block")
      ->check(CLI::IsMember({64, 128, 256, 512, 1024}));
  app.add_option("--gemm-sizes", o.gemm_sizes, "GEMM sizes n (n x n x n), default 4096,8192")
      ->delimiter(',')
      ->check(CLI::Range(64, 65536));
  app.add_option("--gemm-batch-seconds", o.gemm_batch_seconds,
                 "GPU seconds per timed GEMM batch (default 0.01)")
      ->check(CLI::Range(0.001, 10.0));
  app.add_option("--gemm-bursts", o.gemm_bursts, "timed GEMM batches per case (default 2)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--gemm-idle-seconds", o.gemm_idle_seconds,
                 "seconds the GPU idles before each timed GEMM batch, so each is a burst below "
                 "the power controller (default 0.1; 0: back to back)")
      ->check(CLI::Range(0.0, 10.0));
  app.add_option("--gemm-warmup-seconds", o.gemm_warmup_seconds,
                 "seconds of untimed GEMMs before the timed batches (default 0)")
      ->check(CLI::Range(0.0, 60.0));
  app.add_option("--gemm-algo", o.gemm_algorithm,
                 "heuristic (default): cuBLASLt's first choice, as cuBLAS runs it; fastest: the "
                 "fastest of its top 8, timed in each run (a choice that can differ between runs)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, gemm_algo>{
          {"fastest", gemm_algo::fastest}, {"heuristic", gemm_algo::heuristic}}));
  app.add_option("--startup-trials", o.startup_trials,
                 "fresh processes per startup/first_kernel run")
      ->check(CLI::Range(1, 100));
  app.add_option("--processes", o.processes,
                 "run the selected cases in this many fresh processes, one after the other, "
                 "and merge their JSON (runs carry process_index; default 1)")
      ->check(CLI::Range(1, 1000));
  app.add_option("--seed", o.seed, "base random seed (default: a fresh one each run)");
  app.add_option("--pin-cpu", o.pin_cpu, "pin the launching thread to this CPU")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--cpu-affinity", o.gpu_local_cpus,
                 "gpu (default): run on the CPUs of the GPU's NUMA node that this process may "
                 "use; inherit: keep the affinity the process started with")
      ->transform(
          CLI::CheckedTransformer(std::map<std::string, bool>{{"gpu", true}, {"inherit", false}}));
}

std::string joined_argv(int argc, char** argv) {
  std::ostringstream s;
  for (int i = 0; i < argc; ++i) s << (i ? " " : "") << argv[i];
  return s.str();
}

int fail_usage(const char* program, const output_flags& flags, const gpu_info& gpu,
               const std::string& msg) {
  std::cerr << program << ": " << msg << "\n";
  // The surroundings need no GPU: an error document carries them too, for the audit.
  auto context = gpu.context();
  const auto environment = environment_facts();
  context.insert(context.end(), environment.begin(), environment.end());
  emit_error_document(flags, error_document(context, msg, exit_usage));
  return exit_usage;
}

int run(int argc, char** argv, const char* program, void (*register_cases)(bench_context&),
        const char* help_footer) {
  const std::string command_line = joined_argv(argc, argv);
  const output_flags flags = scan_output_flags(argc, argv);
  // --processes K: this process only runs K fresh ones and merges what they print; it never
  // touches CUDA itself.
  std::vector<std::string> args(argv, argv + argc);
  int processes = 1;
  try {
    processes = processes_option(args);
  } catch (const std::invalid_argument& e) {
    return fail_usage(program, flags, gpu_info{}, e.what());
  }
  if (processes > 1 && !flags.list_tests) return run_fanned_out(args, processes, flags, program);
  bench_options options;
  CLI::App app(std::string(program) +
                   ": gpuparity workloads. Google Benchmark flags (--benchmark_filter, "
                   "--benchmark_format, --benchmark_out, --benchmark_repetitions, "
                   "--benchmark_list_tests, ...) are accepted too.",
               program);
  add_options(app, options);
  if (help_footer) app.footer(help_footer);
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::cout << app.help();
      return exit_ok;
    }
  benchmark::Initialize(&argc, argv);
  gpu_info no_gpu_yet;  // context for usage errors: versions only, no device probed
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return fail_usage(program, flags, no_gpu_yet,
                      e.what() + std::string("; see " + std::string(program) + " --help"));
  } catch (const std::invalid_argument& e) {
    return fail_usage(program, flags, no_gpu_yet, e.what());
  }
  if (options.seed == 0)
    options.seed = (std::uint64_t{std::random_device{}()} << 32) | std::random_device{}();
  if (options.pin_cpu >= 0) {
    const std::string err = set_cpu_affinity({options.pin_cpu});
    if (!err.empty())
      return fail_usage(program, flags, no_gpu_yet,
                        "cannot pin to CPU " + std::to_string(options.pin_cpu) + ": " + err +
                            "; pick a CPU in this process's cpuset");
  }

  gpu_info gpu = probe_gpu(options.device);
  const auto environment = environment_facts();  // the CPUs allowed before binding
  // Before any case allocates host memory, so that first touch places it on this node.
  std::string affinity = "inherited";
  if (options.pin_cpu >= 0)
    affinity = "pinned to CPU " + std::to_string(options.pin_cpu);
  else if (options.gpu_local_cpus && gpu.usable)
    affinity = bind_to_gpu_local_cpus(gpu.pci_bus_id).description;
  bench_context ctx(options, std::move(gpu));
  for (const auto& [k, v] : ctx.gpu.context()) benchmark::AddCustomContext(k, v);
  benchmark::AddCustomContext("gpuparity_program", program);
  benchmark::AddCustomContext("gpuparity_argv", command_line);
  benchmark::AddCustomContext("gpuparity_seed", std::to_string(ctx.options.seed));
  benchmark::AddCustomContext("env_cpu_affinity", affinity);
  for (const auto& [k, v] : environment) benchmark::AddCustomContext(k, v);
  if (!ctx.gpu.usable && !flags.list_tests) std::cerr << program << ": " << ctx.gpu.error << "\n";

  register_cases(ctx);

  // The console folds repeated failures; JSON and the --benchmark_out file keep each.
  folding_console_reporter console(flags);
  const std::size_t matched = flags.format == "console"
                                  ? benchmark::RunSpecifiedBenchmarks(&console)
                                  : benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  if (matched == 0)
    return fail_usage(program, flags, ctx.gpu,
                      "--benchmark_filter='" + benchmark::GetBenchmarkFilter() +
                          "' matches no case; list them with --benchmark_list_tests");
  if (flags.list_tests) return exit_ok;
  const outcome result = ctx.result();
  std::cerr << program << ": " << result.count(case_status::passed) << " passed, "
            << result.count(case_status::incorrect) << " incorrect, "
            << result.count(case_status::failed) << " failed, "
            << result.count(case_status::not_supported) << " not supported, "
            << result.count(case_status::no_device) << " without a GPU\n";
  return result.exit_code();
}

}  // namespace

int program_main(int argc, char** argv, const char* program, void (*register_cases)(bench_context&),
                 const char* help_footer) {
  try {
    return run(argc, argv, program, register_cases, help_footer);
  } catch (const std::exception& e) {
    std::cerr << program << ": internal error: " << e.what() << "\n";
    return exit_failed;
  }
}

}  // namespace gpuparity
