#pragma once
// Everything the cases share, passed by reference: options, the probed GPU, the outcome.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gpu_info.hpp"
#include "status.hpp"
#include "stream.cuh"

namespace gpuparity {

// How a GEMM case chooses its cuBLASLt algorithm (--gemm-algo).
enum class gemm_algo { heuristic, fastest };

struct bench_options {
  int device = 0;
  std::size_t stream_bytes = std::size_t{1} << 30;  // per array
  std::size_t copy_bytes = std::size_t{64} << 20;   // per host<->device transfer
  std::size_t d2d_bytes = std::size_t{256} << 20;   // per device-to-device copy
  std::size_t peer_bytes = std::size_t{256} << 20;  // per peer/bandwidth copy
  // nccl/ message sizes: 8 MiB (latency and protocol choice still show) and 256 MiB (bus
  // bandwidth, as nccl-tests' large sizes).
  std::vector<std::size_t> nccl_bytes = {std::size_t{8} << 20, std::size_t{256} << 20};
  double nccl_timeout_s = 180.0;  // per nccl/ case: its ranks killed after this
  int copy_buffer_sets = 3;       // separately allocated buffer sets a pinned copy rotates over
  std::size_t chase_bytes = std::size_t{1} << 30;  // pointer-chase buffer
  stream_config stream;
  std::vector<int> gemm_sizes = {4096, 8192};
  // A GEMM case times gemm_bursts batches of about gemm_batch_seconds of GPU work, each after
  // the GPU idled gemm_idle_seconds: on the H100 (700 W cap) bursts showed the full clock's
  // rate with 0.03-0.2% spread between processes, back-to-back batches the power cap's
  // with 0.2-2.3% (results/NVIDIA_H100_80GB_HBM3/studies/replication-study.txt).
  // Two bursts, not the study's five: at five a trial took 14 s on the H100 and a 120 s run
  // measured 3 trials per side, too few for a 99% interval; `gpuparity simulate` on those
  // runs' recorded costs puts every per-trial metric at 5 trials within 120 s with two
  // (results/NVIDIA_H100_80GB_HBM3/simulation/). A case's rate is their median (here
  // their mean); the spread that matters is between processes.
  double gemm_batch_seconds = 0.01;
  int gemm_bursts = 2;
  double gemm_idle_seconds = 0.1;
  double gemm_warmup_seconds = 0.0;                 // untimed GEMMs run before the timed batches
  gemm_algo gemm_algorithm = gemm_algo::heuristic;  // the same algorithm on both sides
  int processes = 1;           // --processes: handled before the cases run (fan_out.hpp)
  int startup_trials = 5;      // fresh processes measured by startup/first_kernel
  std::uint64_t seed = 0;      // base seed; every case run draws fresh data from it
  int pin_cpu = -1;            // CPU the launching thread is pinned to; -1: not pinned
  bool gpu_local_cpus = true;  // run on the CPUs of the GPU's NUMA node (--cpu-affinity)
};

class bench_context {
 public:
  bench_context(bench_options o, gpu_info g) : options(std::move(o)), gpu(std::move(g)) {}

  // A new seed for each call: every case run gets fresh random data.
  std::uint64_t next_seed() { return options.seed + 0x632BE59BD9B4E019ull * ++seed_draws_; }

  // Keeps the worst status a case reached over its repetitions.
  void record(const std::string& case_name, case_status s);
  const std::map<std::string, case_status>& statuses() const { return statuses_; }
  outcome result() const;

  bench_options options;
  gpu_info gpu;

 private:
  std::uint64_t seed_draws_ = 0;
  std::map<std::string, case_status> statuses_;
};

}  // namespace gpuparity
