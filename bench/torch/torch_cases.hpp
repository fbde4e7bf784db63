#pragma once
#include "bench_context.hpp"

namespace gpuparity {

// torch/matmul/<bf16|fp16|fp32>/<n> and torch/transformer_block/bf16.
void register_torch_cases(bench_context& ctx);

}  // namespace gpuparity
