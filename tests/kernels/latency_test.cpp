#include <gtest/gtest.h>

#include <vector>

#include "cuda_raii.hpp"
#include "latency.cuh"
#include "verify.hpp"

namespace gpuparity {
namespace {

TEST(PointerChase, EndsWhereTheHostSays) {
  const std::size_t nodes = 5000;
  const auto next = random_cycle(nodes, 77);
  std::vector<std::uint32_t> order(nodes);
  std::uint32_t at = 0;
  for (std::size_t i = 0; i < nodes; ++i, at = next[at]) order[i] = at * 4;  // stride 4 words
  device_buffer buf(nodes * 16), order_dev(nodes * 4), end(4);
  GPUPARITY_CUDA_CHECK(
      cudaMemcpy(order_dev.get(), order.data(), order_dev.bytes(), cudaMemcpyHostToDevice));
  launch_link_chase(buf.data<std::uint32_t>(), order_dev.data<std::uint32_t>(), nodes, nullptr);
  for (int steps : {1, 17, 4999, 5000, 12345}) {
    launch_pointer_chase(buf.data<std::uint32_t>(), 0, steps, end.data<std::uint32_t>(), nullptr);
    std::uint32_t got = 0;
    GPUPARITY_CUDA_CHECK(cudaMemcpy(&got, end.get(), 4, cudaMemcpyDeviceToHost));
    std::uint32_t want = 0;
    for (int k = 0; k < steps; ++k) want = next[want];
    EXPECT_EQ(got, want * 4) << steps << " steps";
  }
}

TEST(WriteValue, ArrivesAndEmptyKernelLaunches) {
  device_buffer w(4);
  launch_empty(nullptr);
  launch_write_value(w.data<std::uint32_t>(), 0xABCD1234u, nullptr);
  std::uint32_t got = 0;
  GPUPARITY_CUDA_CHECK(cudaMemcpy(&got, w.get(), 4, cudaMemcpyDeviceToHost));
  EXPECT_EQ(got, 0xABCD1234u);
}

}  // namespace
}  // namespace gpuparity
