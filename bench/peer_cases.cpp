// peer/bandwidth/<a>to<b>, peer/latency/<a>to<b>: GPU-to-GPU copies (cudaMemcpyPeerAsync) for
// every ordered pair of visible GPUs, each case labelled with the link it found
// (link=nvlink|pcie_p2p|host|p2p, peer_link.hpp). Peer access is enabled both ways for the
// case's life where the pair allows it, and left as it was found. Fewer than two GPUs: one
// case, peer/bandwidth, not_supported.
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "fill.cuh"
#include "peer_link.hpp"
#include "random.cuh"
#include "verify.hpp"

namespace gpuparity {
namespace {

constexpr int latency_batch = 1000;  // 4-byte copies per timed iteration

std::string bus_id(int device) {
  char id[32] = {};
  GPUPARITY_CUDA_CHECK(cudaDeviceGetPCIBusId(id, sizeof id, device));
  return id;
}

// The pair's link, with peer access enabled both ways for as long as this lives (where the
// hardware allows it): cudaMemcpyPeerAsync then copies directly.
class peer_pair {
 public:
  peer_pair(benchmark::State& state, int a, int b) {
    int ab = 0, ba = 0, rank = -1;
    GPUPARITY_CUDA_CHECK(cudaDeviceCanAccessPeer(&ab, a, b));
    GPUPARITY_CUDA_CHECK(cudaDeviceCanAccessPeer(&ba, b, a));
    if (ab && ba) {
      forward_.emplace(a, b);
      backward_.emplace(b, a);
      GPUPARITY_CUDA_CHECK(cudaDeviceGetP2PAttribute(&rank, cudaDevP2PAttrPerformanceRank, a, b));
    }
    const link_type link =
        classify_link(ab && ba, ab && ba ? nvml_nvlink_p2p(bus_id(a), bus_id(b)) : 0);
    state.SetLabel(std::string("link=") + link_type_name(link));
    // The label for people; the same as numbers for tools that read counters only.
    state.counters["link_nvlink"] = link == link_type::nvlink ? 1.0 : 0.0;
    state.counters["peer_access"] = ab && ba ? 1.0 : 0.0;
    if (rank >= 0) state.counters["p2p_performance_rank"] = rank;  // CUDA's: 0 is the best
  }

 private:
  std::optional<peer_access> forward_, backward_;
};

// Bytes of device `device`'s memory, allocated on it.
device_buffer buffer_on(int device, std::size_t bytes) {
  device_guard keep;
  GPUPARITY_CUDA_CHECK(cudaSetDevice(device));
  return device_buffer(bytes);
}

// The destination's bytes against the source's, both brought to the host.
void check_copied(const device_buffer& src, const device_buffer& dst, std::size_t bytes,
                  const std::string& name, cudaStream_t s) {
  pinned_buffer want(bytes), got(bytes);
  GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(s));
  // Synchronous, direction from the addresses (unified addressing): each from its own GPU.
  GPUPARITY_CUDA_CHECK(cudaMemcpy(want.get(), src.get(), bytes, cudaMemcpyDefault));
  GPUPARITY_CUDA_CHECK(cudaMemcpy(got.get(), dst.get(), bytes, cudaMemcpyDefault));
  if (std::memcmp(want.get(), got.get(), bytes) != 0)
    throw incorrect_result(name + ": the destination GPU's bytes differ from the source's");
}

void bandwidth_case(benchmark::State& state, bench_context& ctx, int a, int b,
                    const std::string& name) {
  const std::size_t bytes = ctx.options.peer_bytes;
  for (int d : {a, b}) {
    GPUPARITY_CUDA_CHECK(cudaSetDevice(d));
    require_device_memory(bytes + (64u << 20), "peer copy buffer", "--peer-bytes");
  }
  GPUPARITY_CUDA_CHECK(cudaSetDevice(a));  // the stream and its events on the source GPU
  peer_pair pair(state, a, b);
  stream st;
  device_buffer src = buffer_on(a, bytes), dst = buffer_on(b, bytes);
  launch_fill_uniform(dtype::fp32, src.get(), bytes / sizeof(float), ctx.next_seed(), st.get());
  {
    device_guard keep;
    GPUPARITY_CUDA_CHECK(cudaSetDevice(b));
    poison(dst.get(), bytes, nullptr);
    GPUPARITY_CUDA_CHECK(cudaDeviceSynchronize());
  }
  const auto copy = [&] {
    GPUPARITY_CUDA_CHECK(cudaMemcpyPeerAsync(dst.get(), b, src.get(), a, bytes, st.get()));
  };
  const double one_call = time_one_call(st.get(), copy);  // also the warm-up
  check_copied(src, dst, bytes, name, st.get());          // before any time counts
  const int batch = batch_for(one_call);
  // Poisoned again, so the check below sees the timed copies' bytes, not the warm-up's.
  {
    device_guard keep;
    GPUPARITY_CUDA_CHECK(cudaSetDevice(b));
    poison(dst.get(), bytes, nullptr);
    GPUPARITY_CUDA_CHECK(cudaDeviceSynchronize());
  }
  const auto samples = event_timed_loop(state, st.get(), batch, copy);
  check_copied(src, dst, bytes, name, st.get());
  set_rate(state, "bytes_per_second", batch * double(bytes), samples);  // bytes moved
  state.counters["transfer_bytes"] = double(bytes);
}

// Per-copy time of back-to-back 4-byte copies on one stream (each waits for the one before):
// the latency of a small copy from a to b as the GPUs see it, by CUDA events. The copies
// rotate over `latency_batch` random source words; the last one's word must arrive.
void latency_case(benchmark::State& state, bench_context& ctx, int a, int b,
                  const std::string& name) {
  GPUPARITY_CUDA_CHECK(cudaSetDevice(a));
  peer_pair pair(state, a, b);
  stream st;
  std::vector<std::uint32_t> words(latency_batch);
  const std::uint64_t seed = ctx.next_seed();
  for (std::size_t i = 0; i < words.size(); ++i)
    words[i] = static_cast<std::uint32_t>(mix64(seed, i));
  device_buffer src = buffer_on(a, words.size() * sizeof(std::uint32_t));
  device_buffer dst = buffer_on(b, sizeof(std::uint32_t));
  GPUPARITY_CUDA_CHECK(cudaMemcpyAsync(src.get(), words.data(),
                                       words.size() * sizeof(std::uint32_t), cudaMemcpyHostToDevice,
                                       st.get()));
  int next = 0;
  const auto copy = [&] {
    const auto* from = src.data<std::uint32_t>() + next;
    next = (next + 1) % latency_batch;
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyPeerAsync(dst.get(), b, from, a, sizeof(std::uint32_t), st.get()));
  };
  const auto expect_last = [&](const char* when) {
    std::uint32_t got = 0;
    GPUPARITY_CUDA_CHECK(cudaStreamSynchronize(st.get()));
    GPUPARITY_CUDA_CHECK(cudaMemcpy(&got, dst.get(), sizeof got, cudaMemcpyDefault));
    const std::uint32_t want =
        words[static_cast<std::size_t>((next + latency_batch - 1) % latency_batch)];
    if (got != want) throw incorrect_result(name + ": the last word copied did not arrive " + when);
  };
  for (int i = 0; i < latency_batch; ++i) copy();  // warm-up
  expect_last("in the warm-up");
  const auto samples = event_timed_loop(state, st.get(), latency_batch, copy);
  expect_last("after the timed copies");
  state.counters["latency_seconds"] = median(samples) / latency_batch;
  state.counters["relative_mad"] = relative_mad(samples);
  state.counters["transfer_bytes"] = sizeof(std::uint32_t);
}

void register_one(bench_context& ctx, const std::string& name, int iterations,
                  void (*body)(benchmark::State&, bench_context&, int, int, const std::string&),
                  int a, int b) {
  benchmark::RegisterBenchmark(name.c_str(),
                               [&ctx, name, body, a, b](benchmark::State& st) {
                                 run_case(st, ctx, name, [&](benchmark::State& s) {
                                   device_guard keep;
                                   body(s, ctx, a, b, name);
                                 });
                               })
      ->UseManualTime()
      ->Iterations(iterations)
      ->Unit(benchmark::kMicrosecond);
}

}  // namespace

void register_peer_cases(bench_context& ctx) {
  const int n = ctx.gpu.device_count;
  if (n < 2) {
    const std::string name = "peer/bandwidth";
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&ctx, name, n](benchmark::State& st) {
                                   run_case(st, ctx, name, [&](benchmark::State&) {
                                     throw gpu_error(error_kind::not_supported, 0,
                                                     "peer copies need 2 visible GPUs; this "
                                                     "process sees " +
                                                         std::to_string(n));
                                   });
                                 })
        ->UseManualTime()
        ->Iterations(1);
    return;
  }
  for (int a = 0; a < n; ++a)
    for (int b = 0; b < n; ++b) {
      if (a == b) continue;
      const std::string pair = std::to_string(a) + "to" + std::to_string(b);
      register_one(ctx, "peer/bandwidth/" + pair, 10, bandwidth_case, a, b);
      register_one(ctx, "peer/latency/" + pair, 20, latency_case, a, b);
    }
}

}  // namespace gpuparity
