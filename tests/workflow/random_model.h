// Test helpers of the workflow tests: deterministic pseudo-random float tensors and Linear layers, so a test's
// model and data are the same on every run and machine.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "qlayers/tensor.h"
#include "workflow/nn/linear.h"

namespace qjit::test {

// Floats in [-1, 1) from a linear congruential sequence seeded by `seed`.
inline Tensor random_tensor(const std::vector<int64_t>& sizes, uint32_t seed) {
  Tensor t = empty(sizes);
  uint32_t s = seed * 2654435761u + 1;
  for (int64_t i = 0; i < t.numel(); ++i) {
    s = s * 1664525u + 1013904223u;
    t.data_ptr<float>()[i] = static_cast<float>(s >> 8) / static_cast<float>(1 << 23) - 1.f;
  }
  return t;
}

// nn.Linear(in, out) with random weight (seed) and bias (seed + 100).
inline std::shared_ptr<nn::Linear> random_linear(int64_t in, int64_t out, uint32_t seed) {
  auto l = std::make_shared<nn::Linear>(in, out);
  l->weight = random_tensor({out, in}, seed);
  l->bias = random_tensor({out}, seed + 100);
  return l;
}

}  // namespace qjit::test
