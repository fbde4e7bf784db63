// copy/h2d_pinned|d2h_pinned|h2d_pageable|d2h_pageable|d2d: copy-engine bandwidth.
// Host<->device count the bytes transferred; d2d counts bytes read + written.
#include <algorithm>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "case_runner.hpp"
#include "cases.hpp"
#include "random.cuh"

namespace gpuparity {
namespace {

enum class copy_kind { h2d_pinned, d2h_pinned, h2d_pageable, d2h_pageable, d2d };

const char* copy_kind_name(copy_kind k) {
  switch (k) {
    case copy_kind::h2d_pinned:
      return "h2d_pinned";
    case copy_kind::d2h_pinned:
      return "d2h_pinned";
    case copy_kind::h2d_pageable:
      return "h2d_pageable";
    case copy_kind::d2h_pageable:
      return "d2h_pageable";
    case copy_kind::d2d:
      return "d2d";
  }
  return "unknown";
}

// Host memory of either kind behind one pointer.
class host_memory {
 public:
  host_memory(std::size_t bytes, bool pinned) {
    if (pinned) {
      pinned_ = pinned_buffer(bytes);
      p_ = pinned_.data<unsigned char>();
    } else {
      pageable_.reset(new unsigned char[bytes]);
      p_ = pageable_.get();
    }
  }
  unsigned char* data() const { return p_; }

 private:
  pinned_buffer pinned_;
  std::unique_ptr<unsigned char[]> pageable_;
  unsigned char* p_ = nullptr;
};

void fill_random(unsigned char* p, std::size_t bytes, std::uint64_t seed) {
  const std::size_t words = bytes / 8;
  for (std::size_t i = 0; i < words; ++i) {
    const std::uint64_t v = mix64(seed, i);
    std::memcpy(p + 8 * i, &v, 8);
  }
  for (std::size_t i = words * 8; i < bytes; ++i) p[i] = static_cast<unsigned char>(mix64(seed, i));
}

// One set of a case's buffers: host source and destination, the device buffer and, for
// d2d, the second device buffer.
struct copy_buffers {
  copy_buffers(std::size_t bytes, bool pinned, bool d2d)
      : src(bytes, pinned), dst(bytes, pinned), dev(bytes), dev2(d2d ? bytes : 16) {}
  host_memory src, dst;
  device_buffer dev, dev2;
};

// Buffer sets a case rotates over: --copy-buffer-sets for the pinned host<->device copies,
// one for the others. On the H100 machine (2026-12-07) a pinned copy case ran 7-30% slow in
// one trial of each run, one direction at a time (h2d 38 GB/s instead of 55 while the d2h
// case of the same process ran at full speed): a property of the case's own buffers or
// moment, which one allocation cannot tell from a slow link. Rotating the timed copies over
// separately allocated sets and taking the median of their rates keeps one unlucky set out;
// a slower path for every buffer (remote NUMA memory, a throttled link) slows every set.
int buffer_sets(const bench_context& ctx, copy_kind kind) {
  const bool pinned_host = kind == copy_kind::h2d_pinned || kind == copy_kind::d2h_pinned;
  return pinned_host ? ctx.options.copy_buffer_sets : 1;
}

void copy_case(benchmark::State& state, bench_context& ctx, copy_kind kind) {
  const std::size_t bytes =
      kind == copy_kind::d2d ? ctx.options.d2d_bytes : ctx.options.copy_bytes;
  const bool pinned = kind != copy_kind::h2d_pageable && kind != copy_kind::d2h_pageable;
  const bool d2d = kind == copy_kind::d2d;
  const int sets = buffer_sets(ctx, kind);
  require_device_memory(sets * (d2d ? 2 : 1) * bytes + (64u << 20), "copy buffers",
                        d2d ? "--d2d-bytes" : "--copy-bytes");
  stream st;
  std::vector<std::unique_ptr<copy_buffers>> set;
  for (int i = 0; i < sets; ++i) {
    set.push_back(std::make_unique<copy_buffers>(bytes, pinned, d2d));
    copy_buffers& b = *set.back();
    fill_random(b.src.data(), bytes, ctx.next_seed());
    std::memset(b.dst.data(), 0xFF, bytes);  // poison
    GPUPARITY_CUDA_CHECK(cudaMemsetAsync(b.dev2.get(), 0xFF, b.dev2.bytes(), st.get()));
  }

  const bool to_host = kind == copy_kind::d2h_pinned || kind == copy_kind::d2h_pageable;
  // Source data on the device for d2h and d2d; the timed copy for h2d.
  const auto h2d = [&](copy_buffers& b) {
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(b.dev.get(), b.src.data(), bytes, cudaMemcpyHostToDevice, st.get()));
  };
  const auto copy = [&](copy_buffers& b) {
    if (to_host)
      GPUPARITY_CUDA_CHECK(
          cudaMemcpyAsync(b.dst.data(), b.dev.get(), bytes, cudaMemcpyDeviceToHost, st.get()));
    else if (d2d)
      GPUPARITY_CUDA_CHECK(
          cudaMemcpyAsync(b.dev2.get(), b.dev.get(), bytes, cudaMemcpyDeviceToDevice, st.get()));
    else
      h2d(b);
  };
  double one_call = 0.0;  // each set's first copy is its warm-up; the slowest sets the batch
  for (auto& b : set) {
    if (to_host || d2d)
      h2d(*b);
    else
      GPUPARITY_CUDA_CHECK(cudaMemsetAsync(b->dev.get(), 0xFF, bytes, st.get()));
    one_call = std::max(one_call, time_one_call(st.get(), [&] { copy(*b); }));
  }
  const int batch = batch_for(one_call);
  // Timed iterations go round the sets: iteration i copies set i % sets, batch times.
  std::size_t calls = 0;
  const auto samples = event_timed_loop(state, st.get(), batch, [&] {
    copy(*set[(calls++ / static_cast<std::size_t>(batch)) % set.size()]);
  });

  // Whatever the direction, bring the copied bytes to dst and compare with src.
  for (auto& b : set) {
    if (d2d)
      GPUPARITY_CUDA_CHECK(
          cudaMemcpyAsync(b->dst.data(), b->dev2.get(), bytes, cudaMemcpyDeviceToHost, st.get()));
    else if (!to_host)
      GPUPARITY_CUDA_CHECK(
          cudaMemcpyAsync(b->dst.data(), b->dev.get(), bytes, cudaMemcpyDeviceToHost, st.get()));
  }
  st.synchronize();
  for (auto& b : set)
    if (std::memcmp(b->src.data(), b->dst.data(), bytes) != 0)
      throw incorrect_result(std::string("copy/") + copy_kind_name(kind) +
                             ": copied bytes differ from the source");
  const double per_iteration = batch * double(bytes) * (d2d ? 2.0 : 1.0);
  // Each set's rate from its median iteration; the case's, the median of the sets'.
  std::vector<double> rates;
  for (std::size_t k = 0; k < set.size(); ++k) {
    std::vector<double> own;
    for (std::size_t i = k; i < samples.size(); i += set.size()) own.push_back(samples[i]);
    if (!own.empty()) rates.push_back(per_iteration / median(own));
  }
  state.counters["bytes_per_second"] = median(rates);
  state.counters["relative_mad"] = relative_mad(samples);
  state.counters["buffer_sets"] = static_cast<double>(set.size());
  if (set.size() > 1)  // how far apart the sets were: the slowest set's rate over the fastest's
    state.counters["buffer_set_spread"] =
        *std::min_element(rates.begin(), rates.end()) / *std::max_element(rates.begin(), rates.end());
  state.counters["transfer_bytes"] = double(bytes);
}

}  // namespace

void register_copy_cases(bench_context& ctx) {
  for (copy_kind k : {copy_kind::h2d_pinned, copy_kind::d2h_pinned, copy_kind::h2d_pageable,
                      copy_kind::d2h_pageable, copy_kind::d2d}) {
    const std::string name = std::string("copy/") + copy_kind_name(k);
    benchmark::RegisterBenchmark(name.c_str(),
                                 [&ctx, k, name](benchmark::State& st) {
                                   run_case(st, ctx, name,
                                            [&](benchmark::State& s) { copy_case(s, ctx, k); });
                                 })
        ->UseManualTime()
        ->Iterations(std::max(10, 4 * buffer_sets(ctx, k)))  // at least 4 per set
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace gpuparity
