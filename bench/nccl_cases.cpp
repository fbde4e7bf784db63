// nccl/all_reduce/<bytes>, nccl/all_gather/<bytes>: NCCL collectives over every visible GPU,
// one process per GPU (rank_group.hpp), measured and reported as nccl-tests does
// (collective_math.hpp): bytes_per_second is the bus bandwidth. The ranks are this program
// (--gpuparity-nccl-rank, nccl_rank.cpp); this file needs no NCCL header and is compiled in
// every build, but main() registers the cases only where NCCL was found.
#include <unistd.h>

#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "collective_math.hpp"
#include "rank_group.hpp"
#include "verify.hpp"

namespace gpuparity {
namespace {

constexpr int nccl_iterations = 10;

// NVLink SHARP (NVLS) sets up NVLink multicast objects (cuMulticastCreate) on the NVSwitch;
// on shared machines a failed or killed multicast set-up has taken GPUs out of service until
// a reset. The cases measure NCCL's ring and tree paths, which every node has.
const std::vector<std::string> rank_environment = {"NCCL_NVLS_ENABLE=0"};

rank_group_spec spec_for(const bench_context& ctx, collective op, std::size_t bytes, int ranks,
                         std::uint64_t seed) {
  rank_group_spec spec;
  spec.executable = "/proc/self/exe";
  for (int r = 0; r < ranks; ++r)
    spec.argv.push_back({"gpuparity-bench", nccl_rank_flag, collective_name(op),
                         std::to_string(bytes), std::to_string(r), std::to_string(ranks),
                         std::to_string(seed), std::to_string(nccl_iterations),
                         std::to_string(getpid())});
  spec.environment = rank_environment;
  spec.deadline_s = ctx.options.nccl_timeout_s;
  return spec;
}

// The group's failure as the case's status: a wrong answer in any rank is `incorrect`.
[[noreturn]] void throw_group_failure(const rank_group_result& g) {
  for (std::size_t r = 0; r < g.ranks.size(); ++r) {
    const auto rep = parse_rank_report(g.ranks[r].out);
    if (rep.status == "incorrect")
      throw incorrect_result("rank " + std::to_string(r) + ": " + rep.message);
    if (rep.status == "not_supported")
      throw gpu_error(error_kind::not_supported, 0,
                      "rank " + std::to_string(r) + ": " + rep.message);
  }
  throw gpu_error(error_kind::cuda, 0, "NCCL ranks: " + g.error);
}

void collective_case(benchmark::State& state, bench_context& ctx, collective op,
                     std::size_t bytes) {
  const int ranks = ctx.gpu.device_count;
  const std::size_t moved = moved_bytes(op, bytes, ranks);  // too small a size: a usage error
  const auto group = run_rank_group(spec_for(ctx, op, bytes, ranks, ctx.next_seed()));
  if (!group.error.empty()) throw_group_failure(group);
  std::vector<std::vector<double>> per_rank;
  long version = 0;
  for (std::size_t r = 0; r < group.ranks.size(); ++r) {
    const auto rep = parse_rank_report(group.ranks[r].out);
    if (r == 0) version = rep.nccl_version;
    if (rep.status != "passed")
      throw gpu_error(error_kind::cuda, 0,
                      "rank " + std::to_string(r) + " exited 0 without reporting success");
    per_rank.push_back(rep.samples);
  }
  std::vector<double> samples;
  try {
    samples = slowest_rank_samples(per_rank);
  } catch (const std::invalid_argument& e) {
    throw gpu_error(error_kind::cuda, 0, std::string("NCCL ranks: ") + e.what());
  }
  std::size_t i = 0;
  for (auto _ : state) state.SetIterationTime(samples.at(i++ % samples.size()));
  // Each rank's samples are per operation already (a timed batch over its count).
  const collective_rates r = rates_of(op, moved, ranks, median(samples));
  state.counters["algbw_bytes_per_second"] = r.algbw;
  state.counters["busbw_bytes_per_second"] = r.busbw;
  // One rank's bus bandwidth is 0 by definition (nothing crosses a bus): it reports algbw.
  state.counters["bytes_per_second"] = ranks > 1 ? r.busbw : r.algbw;
  state.counters["relative_mad"] = relative_mad(samples);
  state.counters["ranks"] = ranks;
  state.counters["transfer_bytes"] = double(moved);
  state.counters["nccl_version"] = static_cast<double>(version);  // 22703: NCCL 2.27.3
  state.SetLabel("ranks=" + std::to_string(ranks));
}

}  // namespace

void register_nccl_cases(bench_context& ctx) {
  for (collective op : {collective::all_reduce, collective::all_gather})
    for (std::size_t bytes : ctx.options.nccl_bytes) {
      const std::string name =
          std::string("nccl/") + collective_name(op) + "/" + std::to_string(bytes);
      benchmark::RegisterBenchmark(name.c_str(),
                                   [&ctx, name, op, bytes](benchmark::State& st) {
                                     run_case(st, ctx, name, [&](benchmark::State& s) {
                                       collective_case(s, ctx, op, bytes);
                                     });
                                   })
          ->UseManualTime()
          ->Iterations(nccl_iterations)
          ->Unit(benchmark::kMicrosecond);
    }
}

}  // namespace gpuparity
