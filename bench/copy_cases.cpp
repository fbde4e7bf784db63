// copy/h2d_pinned|d2h_pinned|h2d_pageable|d2h_pageable|d2d: copy-engine bandwidth.
// Host<->device count the bytes transferred; d2d counts bytes read + written.
#include <cstring>
#include <memory>
#include <string>

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

void copy_case(benchmark::State& state, bench_context& ctx, copy_kind kind) {
  const std::size_t bytes =
      kind == copy_kind::d2d ? ctx.options.d2d_bytes : ctx.options.copy_bytes;
  const bool pinned = kind != copy_kind::h2d_pageable && kind != copy_kind::d2h_pageable;
  require_device_memory(2 * bytes + (64u << 20), "copy buffers",
                        kind == copy_kind::d2d ? "--d2d-bytes" : "--copy-bytes");
  stream st;
  host_memory src(bytes, pinned), dst(bytes, pinned);
  device_buffer dev(bytes), dev2(kind == copy_kind::d2d ? bytes : 16);
  fill_random(src.data(), bytes, ctx.next_seed());
  std::memset(dst.data(), 0xFF, bytes);  // poison
  GPUPARITY_CUDA_CHECK(cudaMemsetAsync(dev2.get(), 0xFF, dev2.bytes(), st.get()));

  const bool to_host = kind == copy_kind::d2h_pinned || kind == copy_kind::d2h_pageable;
  // Source data on the device for d2h and d2d; the timed copy for h2d.
  auto h2d = [&] {
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(dev.get(), src.data(), bytes, cudaMemcpyHostToDevice, st.get()));
  };
  auto timed = [&] {
    if (to_host)
      GPUPARITY_CUDA_CHECK(
          cudaMemcpyAsync(dst.data(), dev.get(), bytes, cudaMemcpyDeviceToHost, st.get()));
    else if (kind == copy_kind::d2d)
      GPUPARITY_CUDA_CHECK(
          cudaMemcpyAsync(dev2.get(), dev.get(), bytes, cudaMemcpyDeviceToDevice, st.get()));
    else
      h2d();
  };
  if (to_host || kind == copy_kind::d2d)
    h2d();
  else
    GPUPARITY_CUDA_CHECK(cudaMemsetAsync(dev.get(), 0xFF, bytes, st.get()));
  const int batch = batch_for(time_one_call(st.get(), timed));  // also the warm-up
  const auto samples = event_timed_loop(state, st.get(), batch, timed);

  // Whatever the direction, bring the copied bytes to dst and compare with src.
  if (kind == copy_kind::d2d)
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(dst.data(), dev2.get(), bytes, cudaMemcpyDeviceToHost, st.get()));
  else if (!to_host)
    GPUPARITY_CUDA_CHECK(
        cudaMemcpyAsync(dst.data(), dev.get(), bytes, cudaMemcpyDeviceToHost, st.get()));
  st.synchronize();
  if (std::memcmp(src.data(), dst.data(), bytes) != 0)
    throw incorrect_result(std::string("copy/") + copy_kind_name(kind) +
                           ": copied bytes differ from the source");
  set_rate(state, "bytes_per_second", batch * double(bytes) * (kind == copy_kind::d2d ? 2.0 : 1.0),
           samples);
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
        ->Iterations(10)
        ->Unit(benchmark::kMicrosecond);
  }
}

}  // namespace gpuparity
